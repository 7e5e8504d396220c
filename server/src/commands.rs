//! The `lepton admin …` and `lepton routes` commands: operator tasks run on the server's
//! machine against its data directory, with no HTTP involved.
//!
//! Each returns the text to show; the binary's entry point prints it.

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use crate::auth::admin::{self, AdminError};
use crate::auth::audit::Actor;
use crate::auth::password::{PasswordError, Passwords};
use crate::auth::user;
use crate::config::{self, AdminCommand, StartupError};
use crate::database;
use crate::router;

/// Why a command failed; the message is shown to the operator.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// The data directory or database is unusable.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The change was refused or failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Hashing could not be set up.
    #[error(transparent)]
    Passwords(#[from] PasswordError),
    /// No user has this name.
    #[error("no user named '{0}'")]
    UnknownUser(String),
    /// Standard input held no password.
    #[error("--password-stdin: cannot read a password from standard input: {0}")]
    Stdin(String),
    /// Serializing the route list failed.
    #[error("cannot write the route list: {0}")]
    Json(#[from] serde_json::Error),
}

/// The operator acting through a command, for the audit log.
const OPERATOR: Actor<'static> = Actor {
    id: None,
    name: "operator (command line)",
    ip: "local",
};

/// Runs a `lepton admin` command against the database in `data_dir`.
///
/// # Errors
///
/// [`CommandError`] naming what went wrong.
pub(crate) async fn admin(data_dir: &Path, command: AdminCommand) -> Result<String, CommandError> {
    config::prepare_data_dir(data_dir)?;
    let pool = database::open(data_dir).await.map_err(StartupError::from)?;
    let passwords = Passwords::new().await?;

    let output = match command {
        AdminCommand::CreateUser {
            username,
            role,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password).transpose()?;
            let (created, generated) =
                admin::create_user(&pool, &passwords, OPERATOR, &username, role, password).await?;
            let mut output = format!("created user '{}' ({})\n", created.username, role.as_str());
            if let Some(password) = generated {
                let _ = writeln!(output, "password: {password}");
            }
            output
        }
        AdminCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password).transpose()?;
            let target = user::find_by_username(&pool, &username)
                .await
                .map_err(AdminError::from)?
                .ok_or_else(|| CommandError::UnknownUser(username.clone()))?;
            let generated =
                admin::reset_password(&pool, &passwords, OPERATOR, &target, password).await?;
            let mut output = format!(
                "password of '{}' reset; their sessions ended\n",
                target.username
            );
            if let Some(password) = generated {
                let _ = writeln!(output, "password: {password}");
            }
            output
        }
    };
    pool.close().await;
    Ok(output)
}

fn read_password() -> Result<String, CommandError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| CommandError::Stdin(error.to_string()))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(CommandError::Stdin("the first line is empty".into()));
    }
    Ok(password)
}

/// The route list, as JSON or as an aligned table.
///
/// # Errors
///
/// [`CommandError::Json`] if serialization fails.
pub(crate) fn routes(json: bool) -> Result<String, CommandError> {
    let routes = router::catalog();
    if json {
        return Ok(serde_json::to_string_pretty(&routes)? + "\n");
    }

    let mut output = String::new();
    for route in routes {
        let rule = route
            .rule
            .map_or_else(|| "NO RULE: refused".to_owned(), |rule| rule.describe());
        let _ = writeln!(output, "{:<7} {:<32} {rule}", route.method, route.path);
    }
    Ok(output)
}
