use super::format;
