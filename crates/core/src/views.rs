//! Read models computed from the world for people: offsets, provenance, visibility, tool output,
//! branch comparisons, costs counted from a run and costs predicted by a model. Nothing here
//! changes the world.

pub mod compare;
pub mod cost_model;
pub mod costs;
pub mod offset_marks;
pub mod provenance;
pub mod tool_views;
pub mod visibility;
