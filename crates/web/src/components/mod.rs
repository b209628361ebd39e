//! The views of the app, one component per file. None of them holds simulation state: each
//! renders what its props say and reports clicks through callbacks.

pub mod branch_compare;
pub mod controls;
pub mod database_panel;
pub mod narration;
pub mod offsets_plot;
pub mod partition_log;
pub mod record_inspector;
pub mod site_header;
pub mod tool_view;

pub use controls::Controls;
pub use narration::Narration;
pub use partition_log::PartitionLogView;
pub use site_header::SiteHeader;
