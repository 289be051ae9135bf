use async_graphql::{Context, ID, Object};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::errors::{into_union, query_error};
use super::loaders::{Loaders, Wanted};
use super::types::artist::Artist;
use super::types::connection::ArtistConnection;
use super::types::inputs::{ArtistFilter, ArtistOrder, ListArguments, Listing};
use super::types::planning::{PlanningInput, PlanningResult};
use crate::db::Database;
use crate::domain;

pub struct Query;

#[Object]
impl Query {
    /// null when the ID does not resolve.
    async fn artist(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Artist>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let artist = domain::artists::get(db, id).await.map_err(query_error)?;
        if let Some(artist) = &artist {
            let selection = ctx.look_ahead();
            let wanted = Wanted {
                skills: selection.field("skills").exists(),
                availabilities: selection.field("availabilities").exists(),
            };
            Loaders::of(ctx)?
                .prefetch(std::slice::from_ref(artist), wanted)
                .await
                .map_err(query_error)?;
        }
        Ok(artist.map(Artist))
    }

    /// Relay cursor pagination; first defaults to 20 and is at most 100.
    #[allow(clippy::too_many_arguments)]
    async fn artists(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ArtistFilter>,
        #[graphql(default_with = "Some(ArtistOrder::default())")] order_by: Option<ArtistOrder>,
    ) -> async_graphql::Result<ArtistConnection> {
        let db = ctx.data::<Database>()?;
        let Listing {
            filter,
            order,
            page,
        } = ListArguments {
            first,
            after,
            last,
            before,
            filter,
            order_by,
        }
        .into_listing()
        .map_err(query_error)?;
        let page = domain::listing::page(db, &filter, order, &page)
            .await
            .map_err(query_error)?;
        let selection = ctx.look_ahead();
        let (nodes, edge_nodes) = (
            selection.field("nodes"),
            selection.field("edges").field("node"),
        );
        let wanted = Wanted {
            skills: nodes.field("skills").exists() || edge_nodes.field("skills").exists(),
            availabilities: nodes.field("availabilities").exists()
                || edge_nodes.field("availabilities").exists(),
        };
        let artists: Vec<domain::Artist> = page
            .edges
            .iter()
            .map(|(_, artist)| artist.clone())
            .collect();
        Loaders::of(ctx)?
            .prefetch(&artists, wanted)
            .await
            .map_err(query_error)?;
        Ok(ArtistConnection { page, filter })
    }

    /// Computes (does not store) an assignment of artists to slots.
    async fn planning(
        &self,
        ctx: &Context<'_>,
        input: PlanningInput,
    ) -> async_graphql::Result<PlanningResult> {
        let db = ctx.data::<DatabaseConnection>()?;
        let outcome = domain::planning::plan(db, input.into()).await;
        if let Ok(outcome) = &outcome {
            // The assigned artists' skills and availabilities are loaded
            // already: serve their fields from them.
            Loaders::of(ctx)?
                .feed_details(outcome.assigned_artists())
                .await;
        }
        into_union(outcome.map_err(|err| err.within("input")))
    }
}
