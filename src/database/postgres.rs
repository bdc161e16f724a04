//! PostgreSQL through the synchronous `postgres` client, without TLS.
//!
//! The query is sent with the simple-query protocol, so every value comes
//! back as text and no column type has to be mapped to a Rust type: the
//! counts are parsed by the caller. The database's SQLSTATE says which
//! [`EngineError`] a failure is.

use super::{Client, EngineError};
use crate::diagnostics::codes;
use postgres::error::SqlState;
use postgres::{NoTls, SimpleQueryMessage};
use std::time::Duration;

pub(super) struct Postgres {
    client: postgres::Client,
}

/// How long to wait for the server to answer a connection; a URL's own
/// `connect_timeout` wins.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn connect(url: &str) -> Result<Postgres, EngineError> {
    let shown = super::redact(url);
    let mut config: postgres::Config = url.parse().map_err(|e| {
        EngineError::new(
            codes::ENGINE_UNAVAILABLE,
            format!("`{shown}` is not a PostgreSQL connection URL: {e}"),
            "write it as postgres://USER@HOST:PORT/DATABASE (a password is best given in PGPASSWORD, not on the command line)",
        )
    })?;
    if config.get_password().is_none() {
        if let Some(password) = std::env::var_os("PGPASSWORD") {
            config.password(password.to_string_lossy().as_bytes());
        }
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("nurture");
    let client = config.connect(NoTls).map_err(|e| {
        let tls = config.get_ssl_mode() == postgres::config::SslMode::Require;
        EngineError::new(
            codes::ENGINE_UNAVAILABLE,
            format!("cannot connect to PostgreSQL at `{shown}`: {}", describe(&e)),
            if tls {
                "Nurture connects without TLS: use `sslmode=prefer` or `disable` on a trusted network, or reach the server through a local tunnel"
            } else {
                "check that the server runs and accepts connections at that host and port, and the user, password and database"
            },
        )
    })?;
    Ok(Postgres { client })
}

impl Client for Postgres {
    fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineError> {
        let messages = self.client.simple_query(sql).map_err(|e| classify(&e))?;
        let mut rows = Vec::new();
        for message in messages {
            if let SimpleQueryMessage::Row(row) = message {
                rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                );
            }
        }
        Ok(rows)
    }
}

/// A query's failure as the error of its kind.
fn classify(error: &postgres::Error) -> EngineError {
    let message = describe(error);
    match error.code() {
        Some(code) if *code == SqlState::UNDEFINED_TABLE || *code == SqlState::UNDEFINED_COLUMN => {
            EngineError::schema(message)
        }
        Some(code)
            if *code == SqlState::DATATYPE_MISMATCH
                || *code == SqlState::UNDEFINED_FUNCTION
                || *code == SqlState::INVALID_TEXT_REPRESENTATION
                || *code == SqlState::INVALID_DATETIME_FORMAT
                || *code == SqlState::CANNOT_COERCE =>
        {
            EngineError::types(message)
        }
        _ => EngineError::failed(message),
    }
}

/// The server's own message (with its SQLSTATE) or the client's.
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => {
            // The client's message, with its cause (e.g. "connection
            // refused"), which `Display` leaves out.
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            text
        }
    }
}
