//! The `coulisses` binary: parse the command line, set up logging, dispatch.

use anyhow::Context as _;
use clap::Parser;
use coulisses::config::{Cli, Command, LogFormat, MigrateAction, MigrateConfig, TokenCommand};
use coulisses::{App, auth, db, graphql, telemetry};
use migration::{Migrator, MigratorTrait};

// A request allocates many small short-lived objects across threads, where
// the system allocator's locks showed in profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(config)) => serve(config).await,
        Some(Command::Migrate(config)) => migrate(config).await,
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Token(TokenCommand::New { name, role })) => {
            let (token, line) =
                auth::new_token(&name, role).context("no randomness from the system")?;
            println!("token (give it to {name}; it is shown only now):\n{token}");
            println!("line to add to the tokens file:\n{line}");
            Ok(())
        }
    }
}

async fn serve(config: coulisses::config::ServeConfig) -> anyhow::Result<()> {
    telemetry::init(config.log.log_format);
    // From the start, so that a SIGTERM during startup still stops cleanly.
    let stop = coulisses::shutdown_signal().context("cannot listen for SIGTERM and Ctrl-C")?;
    let database = redact(&config.database.database_url);
    let app = App::build(config)
        .await
        .context("cannot start the service")?;
    let addr = app.local_addr()?;
    tracing::info!(%database, "database ready, migrations applied");
    tracing::info!("listening on http://{addr} (GraphiQL at http://{addr}/graphql)");
    app.run_until(stop).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: MigrateConfig) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let db = db::connect(&config.database.database_url, 1)
        .await
        .context("cannot open the database")?;
    match config.action {
        MigrateAction::Up => Migrator::up(&db, None).await,
        MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await,
        MigrateAction::Status => Migrator::get_migration_with_status(&db)
            .await
            .map(|migrations| {
                for migration in migrations {
                    println!("{:<8} {}", migration.status(), migration.name());
                }
            }),
    }
    .context("migration failed")
}

/// The URL without its password, fit for a log line.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_credentials, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}
