//! Documents and reports. This crate owns the document model ([`document::Document`]), the
//! official documents generated from editable templates (受理通知书, 补正通知书 …), the
//! statutory reports computed from case records (the information-disclosure annual report),
//! and their renderers: HTML, JSON and DOCX in the official layout (GB/T 9704). It does no
//! database I/O: callers hand it case records and get bytes back.
#![forbid(unsafe_code)]

pub mod chart;
pub mod disclosure;
pub mod document;
pub mod docx;
pub mod flowchart;
pub mod html;
pub mod markdown;
pub mod records;
pub mod templates;

pub use document::{Block, Cell, Document, Signature, Span, Table};
pub use records::{ActionTaken, CaseRecord};
