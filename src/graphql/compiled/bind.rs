//! A request's arguments, bound to the plan: variables substituted and
//! every value parsed by the same `InputType` the resolver would use.
//!
//! async-graphql's validation checks every argument of the document before
//! anything runs, whatever the data turns out to be (an `availabilities`
//! argument is checked even when its artist does not exist). So all of a
//! plan's arguments are bound before it loads anything, and any value that
//! does not bind sends the request down the general path, which reports it.

use async_graphql::parser::types::VariableDefinition;
use async_graphql::{ID, InputType, Value, Variables};
use async_graphql_value::Value as InputValue;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::plan::{ListArgs, ReadPlan, RootField};
use crate::domain::listing::Listing;
use crate::graphql::scalars;
use crate::graphql::types::inputs::{ArtistFilter, ArtistOrder, ListArguments};

/// Why a request does not bind: the general path says more.
#[derive(Debug)]
pub struct Unbound;

/// The request's variables, as the operation defines them.
pub struct RequestVariables<'a> {
    pub definitions: &'a [VariableDefinition],
    pub values: &'a Variables,
}

impl RequestVariables<'_> {
    /// The variable's value, or its default (null for a nullable one left
    /// out), as async-graphql resolves it.
    fn lookup(&self, name: &str) -> Result<Value, Unbound> {
        let definition = self
            .definitions
            .iter()
            .find(|definition| definition.name.node == name)
            .ok_or(Unbound)?;
        let value = self
            .values
            .get(&definition.name.node)
            .or_else(|| definition.default_value())
            .ok_or(Unbound)?;
        // A null for a variable declared non-null: let the general path
        // decide what to make of it.
        if !definition.var_type.node.nullable && *value == Value::Null {
            return Err(Unbound);
        }
        Ok(value.clone())
    }

    /// The argument parsed as the resolver's parameter of type `T` would be.
    fn parse<T: InputType>(&self, argument: &Option<InputValue>) -> Result<T, Unbound> {
        let value = argument
            .as_ref()
            .map(|value| value.clone().into_const_with(|name| self.lookup(&name)))
            .transpose()?;
        T::parse(value).map_err(|_| Unbound)
    }
}

/// A root field with its arguments bound.
pub enum BoundRoot {
    Typename,
    /// `None`: an ID that is no UUID, which resolves to nothing.
    Artist(Option<Uuid>),
    Artists(Box<Listing>),
}

/// The `from` and `to` of one `availabilities`.
pub type TimeWindow = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Every argument of the plan, bound: its root fields' in their order,
/// and its windows in `ReadPlan::windows`' order.
pub fn plan(
    plan: &ReadPlan,
    variables: &RequestVariables,
) -> Result<(Vec<BoundRoot>, Vec<TimeWindow>), Unbound> {
    let roots = plan
        .fields
        .iter()
        .map(|field| root(field, variables))
        .collect::<Result<_, _>>()?;
    let windows = plan
        .windows
        .iter()
        .map(|(from, to)| {
            let from = variables.parse::<Option<scalars::DateTime>>(from)?;
            let to = variables.parse::<Option<scalars::DateTime>>(to)?;
            Ok((from.map(|at| at.0), to.map(|at| at.0)))
        })
        .collect::<Result<_, _>>()?;
    Ok((roots, windows))
}

fn root(field: &RootField, variables: &RequestVariables) -> Result<BoundRoot, Unbound> {
    Ok(match field {
        RootField::Typename(_) => BoundRoot::Typename,
        RootField::Artist { id, .. } => {
            BoundRoot::Artist(Uuid::parse_str(&variables.parse::<ID>(id)?).ok())
        }
        // A filter that binds but does not validate is reported by the
        // resolver, with its paths.
        RootField::Artists { args, .. } => BoundRoot::Artists(Box::new(
            list_arguments(args, variables)?
                .into_listing()
                .map_err(|_| Unbound)?,
        )),
    })
}

fn list_arguments(args: &ListArgs, variables: &RequestVariables) -> Result<ListArguments, Unbound> {
    Ok(ListArguments {
        first: variables.parse(&args.first)?,
        after: variables.parse(&args.after)?,
        last: variables.parse(&args.last)?,
        before: variables.parse(&args.before)?,
        filter: variables.parse::<Option<ArtistFilter>>(&args.filter)?,
        order_by: variables.parse::<Option<ArtistOrder>>(&args.order_by)?,
    })
}
