//! HTML building blocks for the website's servlets.
//!
//! `html` escapes text and builds elements, `widgets` renders the recurring pieces of a page
//! (menus, cards, the page shell), and `format` turns sizes and timestamps into words.

pub mod format;
pub mod html;
pub mod widgets;
