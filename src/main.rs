//! The `coulisses` binary: parse the command line, set up logging, dispatch.

use anyhow::Context as _;
use clap::Parser;
use std::process::ExitCode;

use coulisses::config::{
    BackupConfig, Cli, Command, DatabaseConfig, LogFormat, MigrateAction, MigrateConfig,
    SeedConfig, TokenCommand,
};
use coulisses::demo::{self, IfNotEmpty};
use coulisses::{App, auth, db, graphql, telemetry};
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbErr};

// A request allocates many small short-lived objects across threads, where
// the system allocator's locks showed in profiles.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbose = cli.verbose;
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err, verbose);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(config)) => serve(*config).await,
        Some(Command::Migrate(config)) => migrate(config).await,
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Seed(config)) => seed(config).await,
        Some(Command::Backup(config)) => backup(config).await,
        Some(Command::Token(TokenCommand::New { name, role })) => {
            let (token, line) = auth::new_token(&name, role)
                .map_err(|err| anyhow::anyhow!("no randomness from the system: {err}"))?;
            println!("token (give it to {name}; it is shown only now):\n{token}");
            println!("line to add to the tokens file:\n{line}");
            Ok(())
        }
    }
}

/// An error that stops the program is a message for a person: the error,
/// then each cause on a line of its own (once: drivers often repeat their
/// cause's words), and a backtrace only when asked for with `--verbose`.
fn report(err: &anyhow::Error, verbose: bool) {
    if verbose {
        eprintln!("error: {err:?}");
        return;
    }
    let mut said = err.to_string();
    eprintln!("error: {said}");
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !said.contains(&text) {
            eprintln!("  because: {text}");
        }
        said = text;
    }
}

/// Opens the database for a command that is not `serve`.
async fn open(database: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    Ok(db::connect_with(&database.database_url, 1, database.pg_random_page_cost).await?)
}

/// A migration's error, with the file's problem named when it is one.
fn migration_failed(database: &DatabaseConfig, err: DbErr) -> anyhow::Error {
    match db::file_error(&database.database_url, &err) {
        Some(explained) => explained.into(),
        None => anyhow::Error::new(err).context("migration failed"),
    }
}

async fn serve(config: coulisses::config::ServeConfig) -> anyhow::Result<()> {
    telemetry::init(config.log.log_format);
    // From the start: a SIGTERM while connecting or migrating (say, waiting
    // for another replica's migration lock) stops the process at once, and
    // one after that drains requests.
    let mut stop =
        Box::pin(coulisses::shutdown_signal().context("cannot listen for SIGTERM and Ctrl-C")?);
    let database = redact(&config.database.database_url);
    let app = tokio::select! {
        built = App::build(config) => built.context("cannot start the service")?,
        () = &mut stop => {
            // Migrations run in one transaction: one cut short is rolled back.
            tracing::info!("stopped before serving");
            return Ok(());
        }
    };
    let addr = app.local_addr()?;
    tracing::info!(%database, "database ready, migrations applied");
    tracing::info!("listening on http://{addr} (GraphiQL at http://{addr}/graphql)");
    app.run_until(stop).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: MigrateConfig) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let db = open(&config.database).await?;
    match config.action {
        MigrateAction::Up => {
            let pending = db::pending_migrations(&db).await?;
            db::migrate(&db)
                .await
                .map_err(|err| migration_failed(&config.database, err))?;
            if pending.is_empty() {
                println!("nothing to apply: every migration is applied");
            }
            for name in pending {
                println!("applied {name}");
            }
        }
        MigrateAction::Down { steps } => {
            let applied = db::applied_migrations(&db).await?;
            db::roll_back(&db, steps)
                .await
                .map_err(|err| migration_failed(&config.database, err))?;
            let still = db::applied_migrations(&db).await?;
            let rolled_back: Vec<&String> = applied
                .iter()
                .rev()
                .filter(|name| !still.contains(name))
                .collect();
            if rolled_back.is_empty() {
                println!("nothing to roll back: no migration is applied");
            } else {
                for name in &rolled_back {
                    println!("rolled back {name}");
                }
                println!(
                    "{} pending: the next `coulisses serve` (or `coulisses migrate up`) \
                     applies {} again",
                    rolled_back.len(),
                    if rolled_back.len() == 1 { "it" } else { "them" }
                );
            }
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!("{:<8} {}", migration.status(), migration.name());
            }
        }
    }
    db::checkpoint(&db).await?;
    Ok(())
}

async fn seed(config: SeedConfig) -> anyhow::Result<()> {
    // Clap requires `--demo`: the demo set is the only one to load so far.
    telemetry::init(LogFormat::Text);
    let db = open(&config.database).await?;
    db::migrate(&db)
        .await
        .map_err(|err| migration_failed(&config.database, err))?;
    let if_not_empty = if config.force {
        IfNotEmpty::Replace
    } else {
        IfNotEmpty::Refuse
    };
    let seeded = demo::seed(&db, if_not_empty).await?;
    // The file alone then holds the data: it can be copied as it is.
    db::checkpoint(&db).await?;
    if seeded.deleted > 0 {
        println!(
            "deleted {} artists and their availabilities",
            seeded.deleted
        );
    }
    println!(
        "loaded the demo data into {}: {} artists, {} availabilities, {} schedule \
         (festival {} to {}, tour {} to {})",
        redact(&config.database.database_url),
        seeded.loaded.artists,
        seeded.loaded.availabilities,
        seeded.loaded.schedules,
        demo::FESTIVAL_FRIDAY,
        demo::FESTIVAL_SUNDAY,
        demo::TOUR_FIRST_DAY,
        demo::TOUR_LAST_DAY,
    );
    Ok(())
}

async fn backup(config: BackupConfig) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Text);
    let db = open(&config.database).await?;
    db::backup(&db, &config.path).await?;
    let bytes = std::fs::metadata(&config.path).map_or(0, |meta| meta.len());
    println!(
        "backed up {} to {} ({bytes} bytes)",
        redact(&config.database.database_url),
        config.path.display()
    );
    Ok(())
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
