//! Runs a read plan: binds the request's arguments, loads through the
//! domain what the selection writes (one statement per kind of record; an
//! artist with its availabilities in one; only the availabilities' times
//! when nothing else of them is asked, and then a page with those times
//! in one), and writes the response's JSON straight from the records.

use async_graphql::Variables;
use async_graphql::futures_util::future::try_join_all;

use super::bind::{self, BoundRoot, RequestVariables, TimeWindow};
use super::json::JsonWriter;
use super::plan::{
    ArtistItem, AvailabilityItem, ConnectionItem, EdgeItem, PageInfoItem, ReadPlan, RootField,
};
use crate::domain::listing::{Cursor, Page};
use crate::domain::reads::{Availabilities, Related, Wanted};
use crate::domain::{self, DomainError, Reads, TimeSpan};
use crate::graphql::types::artist::AvailabilityField;
use async_graphql::OutputType;

use crate::graphql::plain::PlainRecord;
use crate::graphql::query::Query;
use crate::graphql::types::artist::{Artist, Availability};
use crate::graphql::types::connection::{ArtistConnection, ArtistEdge, PageInfo};

/// Why a plan did not answer a request; the general path answers it then.
#[derive(Debug)]
pub enum Fallback {
    /// An argument did not bind.
    Unbound,
    /// The domain refused (a bad cursor, say) or failed.
    Domain(DomainError),
    /// A selection asked for a field its load did not read: `Related::load`
    /// reads whole records whenever one does, so this is a fault, answered
    /// by the general path rather than with a wrong value.
    Unloaded,
}

impl From<bind::Unbound> for Fallback {
    fn from(_: bind::Unbound) -> Self {
        Self::Unbound
    }
}

impl From<DomainError> for Fallback {
    fn from(err: DomainError) -> Self {
        Self::Domain(err)
    }
}

/// The response body, `{"data":{…}}`, as async-graphql would write it.
pub async fn run(
    plan: &ReadPlan,
    reads: &Reads,
    variables: &Variables,
) -> Result<Vec<u8>, Fallback> {
    let variables = RequestVariables {
        definitions: &plan.variables,
        values: variables,
    };
    let (bound, windows) = bind::plan(plan, &variables)?;
    let loaded = try_join_all(
        plan.fields
            .iter()
            .zip(&bound)
            .map(|(field, bound)| load(reads, field, bound)),
    )
    .await?;
    let mut render = Render {
        json: JsonWriter::default(),
        windows: &windows,
    };
    render.json.begin_object();
    render.json.key("data");
    render.json.begin_object();
    for (field, loaded) in plan.fields.iter().zip(&loaded) {
        render.root(field, loaded)?;
    }
    render.json.end_object();
    render.json.end_object();
    Ok(render.json.into_bytes())
}

/// What a root field loaded.
enum Loaded {
    Nothing,
    Artist(Option<(domain::Artist, Related)>),
    Artists {
        page: Page,
        total: Option<u64>,
        related: Related,
    },
}

async fn load(reads: &Reads, field: &RootField, bound: &BoundRoot) -> Result<Loaded, DomainError> {
    match (field, bound) {
        (RootField::Artist { artist, .. }, BoundRoot::Artist(id)) => match id {
            Some(id) => Ok(Loaded::Artist(
                reads.artist(*id, ArtistItem::wanted(artist)).await?,
            )),
            None => Ok(Loaded::Artist(None)),
        },
        (RootField::Artists { connection, .. }, BoundRoot::Artists(listing)) => {
            let total = async {
                if connection
                    .iter()
                    .any(|item| matches!(item, ConnectionItem::TotalCount(_)))
                {
                    reads.count(&listing.filter).await.map(Some)
                } else {
                    Ok(None)
                }
            };
            let wanted = artist_selections(connection)
                .map(ArtistItem::wanted)
                .fold(Wanted::default(), Wanted::and);
            let page = reads.page(listing, wanted);
            let (total, (page, related)) = tokio::try_join!(total, page)?;
            Ok(Loaded::Artists {
                page,
                total,
                related,
            })
        }
        _ => Ok(Loaded::Nothing),
    }
}

/// The artist selections of a connection: its `nodes`, its edges' `node`.
fn artist_selections(connection: &[ConnectionItem]) -> impl Iterator<Item = &[ArtistItem]> {
    connection.iter().flat_map(|item| {
        let (nodes, edges): (Option<&[ArtistItem]>, &[EdgeItem]) = match item {
            ConnectionItem::Nodes(_, artist) => (Some(artist), &[]),
            ConnectionItem::Edges(_, edge) => (None, edge),
            _ => (None, &[]),
        };
        nodes
            .into_iter()
            .chain(edges.iter().filter_map(|item| match item {
                EdgeItem::Node(_, artist) => Some(artist.as_slice()),
                _ => None,
            }))
    })
}

/// Writes the response, field by field in the document's order.
struct Render<'a> {
    json: JsonWriter,
    /// The plan's windows, bound.
    windows: &'a [TimeWindow],
}

impl Render<'_> {
    fn root(&mut self, field: &RootField, loaded: &Loaded) -> Result<(), Fallback> {
        match (field, loaded) {
            (RootField::Typename(key), _) => {
                self.json.key(key);
                self.json.string(&Query::type_name());
            }
            (RootField::Artist { key, artist, .. }, Loaded::Artist(found)) => {
                self.json.key(key);
                match found {
                    Some((found, related)) => self.artist(artist, found, related)?,
                    None => self.json.null(),
                }
            }
            (
                RootField::Artists {
                    key, connection, ..
                },
                Loaded::Artists {
                    page,
                    total,
                    related,
                },
            ) => {
                self.json.key(key);
                self.connection(connection, page, *total, related)?;
            }
            // `load` answers each root field with its own kind.
            (RootField::Artist { .. } | RootField::Artists { .. }, _) => {
                return Err(Fallback::Unloaded);
            }
        }
        Ok(())
    }

    fn connection(
        &mut self,
        connection: &[ConnectionItem],
        page: &Page,
        total: Option<u64>,
        related: &Related,
    ) -> Result<(), Fallback> {
        self.json.begin_object();
        for item in connection {
            match item {
                ConnectionItem::Typename(key) => {
                    self.json.key(key);
                    self.json.string(&ArtistConnection::type_name());
                }
                ConnectionItem::TotalCount(key) => {
                    self.json.key(key);
                    // As the resolver: a count beyond Int saturates.
                    let total = total.map_or(0, |total| i32::try_from(total).unwrap_or(i32::MAX));
                    self.json.number(total);
                }
                ConnectionItem::Nodes(key, artist) => {
                    self.json.key(key);
                    self.json.begin_array();
                    for (_, node) in &page.edges {
                        self.artist(artist, node, related)?;
                    }
                    self.json.end_array();
                }
                ConnectionItem::Edges(key, edge) => {
                    self.json.key(key);
                    self.json.begin_array();
                    for (cursor, node) in &page.edges {
                        self.edge(edge, cursor, node, related)?;
                    }
                    self.json.end_array();
                }
                ConnectionItem::PageInfo(key, info) => {
                    self.json.key(key);
                    self.page_info(info, page);
                }
            }
        }
        self.json.end_object();
        Ok(())
    }

    fn edge(
        &mut self,
        edge: &[EdgeItem],
        cursor: &Cursor,
        node: &domain::Artist,
        related: &Related,
    ) -> Result<(), Fallback> {
        self.json.begin_object();
        for item in edge {
            match item {
                EdgeItem::Typename(key) => {
                    self.json.key(key);
                    self.json.string(&ArtistEdge::type_name());
                }
                EdgeItem::Cursor(key) => {
                    self.json.key(key);
                    self.json.string(&cursor.encode());
                }
                EdgeItem::Node(key, artist) => {
                    self.json.key(key);
                    self.artist(artist, node, related)?;
                }
            }
        }
        self.json.end_object();
        Ok(())
    }

    fn page_info(&mut self, info: &[PageInfoItem], page: &Page) {
        let json = &mut self.json;
        json.begin_object();
        for item in info {
            match item {
                PageInfoItem::Typename(key) => {
                    json.key(key);
                    json.string(&PageInfo::type_name());
                }
                PageInfoItem::HasNextPage(key) => {
                    json.key(key);
                    json.boolean(page.has_next_page);
                }
                PageInfoItem::HasPreviousPage(key) => {
                    json.key(key);
                    json.boolean(page.has_previous_page);
                }
                PageInfoItem::StartCursor(key) => {
                    json.key(key);
                    json.optional_string(
                        page.edges
                            .first()
                            .map(|(cursor, _)| cursor.encode())
                            .as_deref(),
                    );
                }
                PageInfoItem::EndCursor(key) => {
                    json.key(key);
                    json.optional_string(
                        page.edges
                            .last()
                            .map(|(cursor, _)| cursor.encode())
                            .as_deref(),
                    );
                }
            }
        }
        json.end_object();
    }

    fn artist(
        &mut self,
        selection: &[ArtistItem],
        artist: &domain::Artist,
        related: &Related,
    ) -> Result<(), Fallback> {
        self.json.begin_object();
        for item in selection {
            match item {
                ArtistItem::Typename(key) => {
                    self.json.key(key);
                    self.json.string(&Artist::type_name());
                }
                ArtistItem::Field(key, field) => {
                    self.json.key(key);
                    artist.write(*field, &mut self.json);
                }
                ArtistItem::Skills(key) => {
                    self.json.key(key);
                    self.json.begin_array();
                    for skill in related.skills.get(&artist.id).into_iter().flatten() {
                        self.json.string(skill);
                    }
                    self.json.end_array();
                }
                ArtistItem::Availabilities { key, window, items } => {
                    self.json.key(key);
                    // `bind::plan` binds one window per index of the plan.
                    let (from, to) = self.windows[*window];
                    self.json.begin_array();
                    match &related.availabilities {
                        Availabilities::Records(loaded) => {
                            for record in loaded.get(&artist.id).into_iter().flatten() {
                                if record.overlaps(from, to) {
                                    availability_object(
                                        &mut self.json,
                                        items,
                                        record.span(),
                                        Some(record),
                                    )?;
                                }
                            }
                        }
                        Availabilities::Times(loaded) => {
                            for span in loaded.get(&artist.id).into_iter().flatten() {
                                if span.overlaps(from, to) {
                                    availability_object(&mut self.json, items, *span, None)?;
                                }
                            }
                        }
                    }
                    self.json.end_array();
                }
            }
        }
        self.json.end_object();
        Ok(())
    }
}

/// One availability: when it starts and ends, and its record where the
/// selection asks for more (its `id` or `note`).
fn availability_object(
    json: &mut JsonWriter,
    selection: &[AvailabilityItem],
    span: TimeSpan,
    record: Option<&domain::Availability>,
) -> Result<(), Fallback> {
    json.begin_object();
    for item in selection {
        match item {
            AvailabilityItem::Typename(key) => {
                json.key(key);
                json.string(&Availability::type_name());
            }
            AvailabilityItem::Field(key, field) => {
                json.key(key);
                match (record, field) {
                    (Some(record), _) => record.write(*field, json),
                    // Read without their records: only their times.
                    (None, AvailabilityField::StartsAt) => json.date_time(span.starts_at),
                    (None, AvailabilityField::EndsAt) => json.date_time(span.ends_at),
                    (None, AvailabilityField::Id | AvailabilityField::Note) => {
                        return Err(Fallback::Unloaded);
                    }
                }
            }
        }
    }
    json.end_object();
    Ok(())
}
