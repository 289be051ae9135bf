//! What a document costs, measured before async-graphql validates it: its
//! complexity (one per field, `planning` and `createSchedule` more, by their
//! input), how deep it nests its data, and how deep it nests lists of the
//! schema's own types.
//!
//! async-graphql's own depth and complexity checks follow every fragment
//! spread anew, so a small document whose fragments each spread the next
//! twice costs them time exponential in its size, and they count
//! introspection like data, which refuses the standard introspection query
//! that GraphiQL and code generators send. Here each fragment is measured
//! once per context, so the work is linear in the document, and the result
//! bounds the work of every later pass (validation, execution).

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
    VariableDefinition,
};
use async_graphql::{Name, Positioned, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::domain::planning::MAX_POSITIONS;

/// Slots, positions and listed artists of a planning that cost one unit of
/// complexity. A planning's work grows with them; counting every one would
/// price an ordinary planning like thousands of fields.
pub const PLANNING_ITEMS_PER_UNIT: u64 = 10;

/// The lists of the introspection types (`__Schema.types`, `__Type.fields`…).
const SCHEMA_LISTS: [&str; 9] = [
    "types",
    "directives",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
    "locations",
];

/// The cost of a whole document: every operation in it, since validation
/// visits them all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// One per field selected, fragments counted where they are spread,
    /// plus what each `planning` costs by its input.
    pub complexity: u64,
    /// The deepest nesting of data fields; introspection is not data.
    pub depth: usize,
    /// The deepest nesting of lists inside `__schema` and `__type`: what
    /// multiplies the size of an introspection answer.
    pub schema_lists: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.complexity = self.complexity.saturating_add(other.complexity);
        self.depth = self.depth.max(other.depth);
        self.schema_lists = self.schema_lists.max(other.schema_lists);
    }
}

/// Measures `document`, its variables read from `variables`.
pub fn measure(document: &ExecutableDocument, variables: &Variables) -> Cost {
    let mut cost = Cost::default();
    let operations: Vec<_> = match &document.operations {
        DocumentOperations::Single(operation) => vec![&operation.node],
        DocumentOperations::Multiple(all) => all.values().map(|op| &op.node).collect(),
    };
    for operation in operations {
        let mut walk = Walk {
            document,
            inputs: Inputs {
                variables,
                definitions: &operation.variable_definitions,
                planning_costs: HashMap::new(),
            },
            fragments: HashMap::new(),
        };
        let place = Place {
            root: match operation.ty {
                OperationType::Query => Some(RootOf::Query),
                OperationType::Mutation => Some(RootOf::Mutation),
                OperationType::Subscription => None,
            },
            schema: false,
        };
        cost.add(walk.selection_set(&operation.selection_set.node, place));
    }
    cost
}

/// True when `document`, as written, holds more than `max` nodes that
/// validation looks at one by one (operations, fragments, variable
/// definitions, selections, arguments, directives), each of which may cost
/// an error: what bounds the errors and the memory of validating it.
pub fn nodes_exceed(document: &ExecutableDocument, max: usize) -> bool {
    let mut count: usize = 0;
    let mut pending: Vec<&SelectionSet> = Vec::new();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        count += 1 + operation.directives.len();
        for definition in &operation.variable_definitions {
            count += 1 + definition.node.directives.len();
        }
        pending.push(&operation.selection_set.node);
    }
    for fragment in document.fragments.values() {
        count += 1 + fragment.node.directives.len();
        pending.push(&fragment.node.selection_set.node);
    }
    while let Some(set) = pending.pop() {
        if count > max {
            return true;
        }
        for item in &set.items {
            count += 1;
            match &item.node {
                Selection::Field(field) => {
                    count += field.node.arguments.len() + field.node.directives.len();
                    pending.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => {
                    count += inline.node.directives.len();
                    pending.push(&inline.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => count += spread.node.directives.len(),
            }
        }
    }
    count > max
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum RootOf {
    Query,
    Mutation,
}

/// Where a selection set sits: what its fields mean depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Place {
    /// At the root of a query (where `planning`, `__schema` and `__type`
    /// live), or below.
    root: Option<RootOf>,
    /// Inside `__schema` or `__type`.
    schema: bool,
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    inputs: Inputs<'a>,
    /// Each fragment's cost in each place, once measured; `None` while it
    /// is being measured (a cycle, which validation reports, adds nothing).
    fragments: HashMap<(&'a Name, Place), Option<Cost>>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet, place: Place) -> Cost {
        let mut cost = Cost::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => cost.add(self.field(&field.node, place)),
                Selection::InlineFragment(inline) => {
                    cost.add(self.selection_set(&inline.node.selection_set.node, place));
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    cost.add(self.fragment(name, place));
                }
            }
        }
        cost
    }

    fn fragment(&mut self, name: &'a Name, place: Place) -> Cost {
        match self.fragments.get(&(name, place)) {
            Some(Some(cost)) => return *cost,
            Some(None) => return Cost::default(),
            None => {}
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Cost::default();
        };
        self.fragments.insert((name, place), None);
        let cost = self.selection_set(&fragment.node.selection_set.node, place);
        self.fragments.insert((name, place), Some(cost));
        cost
    }

    fn field(&mut self, field: &'a Field, place: Place) -> Cost {
        let name = field.name.node.as_str();
        let enters_schema = place.root.is_some() && matches!(name, "__schema" | "__type");
        let below = Place {
            root: None,
            schema: place.schema || enters_schema,
        };
        let children = self.selection_set(&field.selection_set.node, below);
        let own = match place.root {
            // A kept schedule is planned as `planning` plans.
            Some(RootOf::Query) if name == "planning" => self.inputs.planning_cost(field),
            Some(RootOf::Mutation) if name == "createSchedule" => self.inputs.planning_cost(field),
            _ => 1,
        };
        let mut cost = Cost {
            complexity: own.saturating_add(children.complexity),
            depth: children.depth,
            schema_lists: children.schema_lists,
        };
        if below.schema {
            if place.schema && SCHEMA_LISTS.contains(&name) {
                cost.schema_lists += 1;
            }
        } else {
            cost.depth += 1;
        }
        cost
    }
}

/// The operation's inputs, as `planning` arguments need them.
struct Inputs<'a> {
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
    /// Plannings of one variable, once counted (a thousand aliases may
    /// share one large input).
    planning_costs: HashMap<&'a str, u64>,
}

impl<'a> Inputs<'a> {
    /// What one `planning` field costs: one, plus one per
    /// `PLANNING_ITEMS_PER_UNIT` of its slots, positions and listed
    /// artists. An input that does not have the expected shape costs one:
    /// validation refuses it.
    fn planning_cost(&mut self, field: &'a Field) -> u64 {
        let items = match field.get_argument("input").map(|value| &value.node) {
            Some(Value::Variable(name)) => {
                if let Some(&items) = self.planning_costs.get(name.as_str()) {
                    items
                } else {
                    let items = self.variable(name).map_or(0, planning_items);
                    self.planning_costs.insert(name.as_str(), items);
                    items
                }
            }
            Some(Value::Object(input)) => {
                let slots = input.get("slots").map_or(0, |slots| self.slot_items(slots));
                let artists = input.get("artistIds").map_or(0, |ids| match ids {
                    Value::List(ids) => ids.len() as u64,
                    Value::Variable(name) => self.variable(name).map_or(0, list_length),
                    _ => 0,
                });
                slots.saturating_add(artists)
            }
            _ => 0,
        };
        1 + items.div_ceil(PLANNING_ITEMS_PER_UNIT)
    }

    fn slot_items(&self, slots: &Value) -> u64 {
        match slots {
            Value::List(slots) => slots
                .iter()
                .map(|slot| match slot {
                    Value::Object(slot) => {
                        1 + slot
                            .get("positions")
                            .map_or(0, |positions| match positions {
                                Value::Variable(name) => {
                                    self.variable(name).map_or(0, positions_of)
                                }
                                literal => literal
                                    .clone()
                                    .into_const()
                                    .as_ref()
                                    .map_or(0, positions_of),
                            })
                    }
                    Value::Variable(name) => self.variable(name).map_or(1, slot_items),
                    _ => 1,
                })
                .fold(0, u64::saturating_add),
            Value::Variable(name) => self.variable(name).map_or(0, slots_items),
            _ => 0,
        }
    }

    /// A variable's value as sent, or its default.
    fn variable(&self, name: &Name) -> Option<&'a ConstValue> {
        self.variables.get(name).or_else(|| {
            self.definitions
                .iter()
                .find(|definition| definition.node.name.node == *name)
                .and_then(|definition| definition.node.default_value())
        })
    }
}

fn planning_items(input: &ConstValue) -> u64 {
    let ConstValue::Object(input) = input else {
        return 0;
    };
    let slots = input.get("slots").map_or(0, slots_items);
    let artists = input.get("artistIds").map_or(0, list_length);
    slots.saturating_add(artists)
}

fn slots_items(slots: &ConstValue) -> u64 {
    match slots {
        ConstValue::List(slots) => slots.iter().map(slot_items).fold(0, u64::saturating_add),
        _ => 0,
    }
}

fn slot_items(slot: &ConstValue) -> u64 {
    match slot {
        ConstValue::Object(slot) => 1 + slot.get("positions").map_or(0, positions_of),
        _ => 1,
    }
}

/// A slot's positions, as the planner could be asked for them: more than
/// any planning may hold is the domain's to refuse, by name.
fn positions_of(positions: &ConstValue) -> u64 {
    match positions {
        ConstValue::Number(number) => number
            .as_u64()
            .map_or(0, |n| n.min(MAX_POSITIONS.unsigned_abs())),
        _ => 0,
    }
}

fn list_length(value: &ConstValue) -> u64 {
    match value {
        ConstValue::List(items) => items.len() as u64,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str, variables: serde_json::Value) -> Cost {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => measure(&document, &Variables::from_json(variables)),
            Err(err) => panic!("test document does not parse: {err}"),
        }
    }

    #[test]
    fn fields_count_once_each_wherever_a_fragment_is_spread() {
        let plain = cost("{ artists { nodes { id name } totalCount } }", json!({}));
        assert_eq!(plain.complexity, 5);
        assert_eq!(plain.depth, 3);
        let spread = cost(
            "{ a: artists { ...F } b: artists { ...F } } fragment F on ArtistConnection { nodes { id } }",
            json!({}),
        );
        assert_eq!(spread.complexity, 6);
        assert_eq!(spread.depth, 3);
    }

    #[test]
    fn fragments_that_spread_each_other_twice_cost_what_they_expand_to() {
        let links = 40;
        let mut query = String::from("query { ...F0 } ");
        for link in 0..links {
            query.push_str(&format!(
                "fragment F{link} on Query {{ ...F{next} a: __typename ...F{next} }} ",
                next = link + 1
            ));
        }
        query.push_str(&format!("fragment F{links} on Query {{ __typename }}"));
        // 2^40 fields once expanded: saturated far above any limit, and
        // measured in a blink.
        assert!(cost(&query, json!({})).complexity > 1 << 39);
    }

    #[test]
    fn introspection_nests_lists_not_data() {
        let standard = async_graphql::parser::parse_query(STANDARD_INTROSPECTION);
        let Ok(standard) = standard else {
            panic!("the introspection query parses");
        };
        let measured = measure(&standard, &Variables::default());
        assert_eq!(measured.depth, 0);
        assert_eq!(measured.schema_lists, 3);
        let cyclic = cost(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            json!({}),
        );
        assert_eq!(cyclic.schema_lists, 4);
        // `__type` below the root is an ordinary (unknown) field.
        let nested = cost("{ artists { __type { fields { name } } } }", json!({}));
        assert_eq!(nested.depth, 4);
        assert_eq!(nested.schema_lists, 0);
    }

    #[test]
    fn a_planning_costs_by_its_input_once_per_variable() {
        let slots: Vec<_> = (0..100)
            .map(|i| json!({ "key": format!("s{i}"), "positions": 3 }))
            .collect();
        let variables = json!({ "input": { "slots": slots, "artistIds": ["a", "b"] } });
        let one = cost(
            "query($input: PlanningInput!) { planning(input: $input) { __typename } }",
            variables.clone(),
        );
        // 100 slots + 300 positions + 2 artists = 402 items: 41 units, plus
        // the field itself and its one child.
        assert_eq!(one.complexity, 1 + 41 + 1);
        let aliases: String = (0..1000)
            .map(|i| format!("p{i}: planning(input: $input) {{ __typename }} "))
            .collect();
        let many = cost(
            &format!("query($input: PlanningInput!) {{ {aliases} }}"),
            variables,
        );
        assert_eq!(many.complexity, 1000 * 43);
        let literal = cost(
            "{ planning(input: { slots: [{ key: \"a\", positions: 25 }, { key: \"b\" }] }) { __typename } }",
            json!({}),
        );
        assert_eq!(literal.complexity, 1 + 3 + 1);
        // Only the root field of a query is the planner.
        let mutation = cost("mutation { planning { a } }", json!({}));
        assert_eq!(mutation.complexity, 2);
        // A kept schedule is planned as `planning` plans, and costs as much.
        let kept = cost(
            "mutation($input: CreateScheduleInput!) { createSchedule(input: $input) { __typename } }",
            json!({ "input": { "name": "Festival", "slots": [{ "key": "a", "positions": 25 }] } }),
        );
        assert_eq!(kept.complexity, 1 + 3 + 1);
        let nested = cost("query { a { createSchedule { b } } }", json!({}));
        assert_eq!(nested.complexity, 3);
    }

    #[test]
    fn nodes_count_what_validation_visits() {
        let doc = |query: &str| match async_graphql::parser::parse_query(query) {
            Ok(document) => document,
            Err(err) => panic!("test document does not parse: {err}"),
        };
        // query, a field with one argument, two directives, a child field.
        let small = doc("query($x: Boolean!) { a(b: 1) @skip(if: $x) @include(if: true) { c } }");
        assert!(!nodes_exceed(&small, 7));
        assert!(nodes_exceed(&small, 6));
        let directives = format!("{{ __typename {} }}", "@a".repeat(100_000));
        assert!(nodes_exceed(&doc(&directives), 5_000));
        let unused: String = (0..10_000)
            .map(|i| format!("fragment F{i} on Query {{ x }} "))
            .collect();
        assert!(nodes_exceed(&doc(&format!("{{ a }} {unused}")), 5_000));
    }

    #[test]
    fn absurd_positions_cost_what_the_domain_accepts() {
        let one = cost(
            "query($p: Int) { planning(input: { slots: [{ key: \"a\", positions: $p }] }) { __typename } }",
            json!({ "p": 1_000_000_000 }),
        );
        let max = MAX_POSITIONS.unsigned_abs() + 1;
        assert_eq!(
            one.complexity,
            1 + max.div_ceil(PLANNING_ITEMS_PER_UNIT) + 1
        );
    }

    use serde_json::json;

    /// graphql-js 16's `getIntrospectionQuery()`, as GraphiQL sends it.
    const STANDARD_INTROSPECTION: &str =
        include_str!("../../tests/api/fixtures/introspection-graphql-js.graphql");
}
