//! The transaction coordinator: its state machine per `transactional.id`, and the broker that
//! hosts it (`__transaction_state`, markers).

pub mod host;
pub mod log_partition;
pub mod state_log;
pub mod state_machine;
