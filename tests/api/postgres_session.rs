//! The planner setting the service gives its PostgreSQL sessions
//! (`--pg-random-page-cost`, docs/deployment.md): sent by default, never
//! with `server` (behind PgBouncer, which refuses startup options), and
//! never over a value the URL's own `options` set.

use crate::common;

use coulisses::config::PageCost;
use coulisses::db;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn random_page_cost(db: &DatabaseConnection) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SHOW random_page_cost",
        ))
        .await
        .unwrap_or_else(|err| panic!("SHOW: {err}"))
        .unwrap_or_else(|| panic!("SHOW gave no row"));
    row.try_get_by_index::<String>(0)
        .unwrap_or_else(|err| panic!("SHOW's value: {err}"))
}

async fn cost_with(url: &str, page_cost: PageCost) -> String {
    let db = db::connect_with(url, 1, page_cost)
        .await
        .unwrap_or_else(|err| panic!("connect {url}: {err}"));
    random_page_cost(&db).await
}

#[tokio::test]
async fn sessions_plan_with_the_configured_page_cost() {
    let postgres = common::postgres().await;
    let url = postgres.url.clone();
    let server = cost_with(&url, PageCost::Server).await;
    assert_eq!(cost_with(&url, PageCost::default()).await, "1.1");
    assert_eq!(cost_with(&url, PageCost::Session(2.5)).await, "2.5");
    assert_ne!(
        server, "1.1",
        "the server's own setting is the test's reference"
    );

    // The operator's own value in the URL wins.
    let separator = if url.contains('?') { '&' } else { '?' };
    let own = format!("{url}{separator}options=-c%20random_page_cost%3D3");
    assert_eq!(cost_with(&own, PageCost::default()).await, "3");
}
