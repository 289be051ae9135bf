//! Relay connection of artists.

use async_graphql::{Context, Object, SimpleObject};

use super::artist::Artist;
use super::artist_list::ArtistList;
use crate::domain::listing::{Cursor, ValidFilter};
use crate::domain::{self};
use crate::graphql::errors::query_error;

pub struct ArtistConnection {
    pub page: domain::listing::Page,
    /// Kept for `totalCount`, counted only when asked for.
    pub filter: ValidFilter,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

impl PageInfo {
    /// A page's info from its edges' cursors, in order.
    pub fn of<'a>(
        mut cursors: impl DoubleEndedIterator<Item = &'a Cursor>,
        has_next_page: bool,
        has_previous_page: bool,
    ) -> Self {
        let start_cursor = cursors.next().map(Cursor::encode);
        let end_cursor = cursors
            .next_back()
            .map(Cursor::encode)
            .or(start_cursor.clone());
        Self {
            has_next_page,
            has_previous_page,
            start_cursor,
            end_cursor,
        }
    }
}

pub struct ArtistEdge<'a> {
    cursor: &'a Cursor,
    node: &'a domain::Artist,
}

#[Object]
impl ArtistEdge<'_> {
    async fn cursor(&self) -> String {
        self.cursor.encode()
    }

    async fn node(&self) -> Artist {
        Artist(self.node.clone())
    }
}

#[Object]
impl ArtistConnection {
    async fn edges(&self) -> Vec<ArtistEdge<'_>> {
        self.page
            .edges
            .iter()
            .map(|(cursor, node)| ArtistEdge { cursor, node })
            .collect()
    }

    async fn nodes(&self) -> ArtistList {
        ArtistList(
            self.page
                .edges
                .iter()
                .map(|(_, artist)| Artist(artist.clone()))
                .collect(),
        )
    }

    async fn page_info(&self) -> PageInfo {
        PageInfo::of(
            self.page.edges.iter().map(|(cursor, _)| cursor),
            self.page.has_next_page,
            self.page.has_previous_page,
        )
    }

    /// Number of artists matching the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let count = crate::graphql::query::reads(ctx)?
            .count(&self.filter)
            .await
            .map_err(query_error)?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
}
