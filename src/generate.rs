//! Synthetic contacts and events (`nurture generate`).
