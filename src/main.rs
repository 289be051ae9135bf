//! The `coulisses` binary: parse the command line, set up logging, dispatch.

use anyhow::Context as _;
use clap::Parser;
use coulisses::config::{
    Cli, Command, LogFormat, MigrateAction, MigrateConfig, SeedConfig, TokenCommand,
};
use coulisses::demo::{self, IfNotEmpty};
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
        Some(Command::Seed(config)) => seed(config).await,
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
    let db = db::connect_with(
        &config.database.database_url,
        1,
        config.database.pg_random_page_cost,
    )
    .await
    .context("cannot open the database")?;
    match config.action {
        MigrateAction::Up => db::migrate(&db).await,
        MigrateAction::Down { steps } => db::roll_back(&db, steps).await,
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

async fn seed(config: SeedConfig) -> anyhow::Result<()> {
    // Clap requires `--demo`: the demo set is the only one to load so far.
    telemetry::init(LogFormat::Text);
    let db = db::connect_with(
        &config.database.database_url,
        1,
        config.database.pg_random_page_cost,
    )
    .await
    .context("cannot open the database")?;
    db::migrate(&db).await.context("migration failed")?;
    let if_not_empty = if config.force {
        IfNotEmpty::Replace
    } else {
        IfNotEmpty::Refuse
    };
    let seeded = demo::seed(&db, if_not_empty).await?;
    if seeded.deleted > 0 {
        println!(
            "deleted {} artists and their availabilities",
            seeded.deleted
        );
    }
    println!(
        "loaded the demo data into {}: {} artists, {} availabilities \
         (festival {} to {}, tour {} to {})",
        redact(&config.database.database_url),
        seeded.loaded.artists,
        seeded.loaded.availabilities,
        demo::FESTIVAL_FRIDAY,
        demo::FESTIVAL_SUNDAY,
        demo::TOUR_FIRST_DAY,
        demo::TOUR_LAST_DAY,
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
