//! The requested cost of a GraphQL document, computed from the document and Shopify's schema
//! the way Shopify prices a query before running it. The client prices its own documents
//! with it (so a field added later is priced without anyone counting by hand) and the
//! simulator prices what it receives.
//!
//! Shopify's rules (Admin API rate limits): scalars and enums 0, an object 1, a connection
//! 2 plus `first` (or `last`) times one node, so nested connections multiply; a list sized
//! by `first` that many elements; a list without a size counts as one element. Shopify does
//! not say whether `pageInfo`, an object, is priced: [`PageInfo`] names both readings.

use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ExecutableDocument, Schema, ast};
use serde_json::Value;

/// How `pageInfo { … }` is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageInfo {
    /// 0 points (a connection's page info is part of the connection's 2).
    Free,
    /// 1 point, like any other object: the pessimistic reading, which the client uses.
    Object,
}

impl PageInfo {
    pub fn points(self) -> u64 {
        match self {
            PageInfo::Free => 0,
            PageInfo::Object => 1,
        }
    }
}

/// The requested cost of the document's operation (the only one, or the one named).
pub fn requested_cost(
    schema: &Schema,
    document: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Value,
    page_info: PageInfo,
) -> Result<u64, String> {
    let op = document
        .operations
        .get(operation)
        .map_err(|e| format!("{e:?}"))?;
    let pricer = Pricer {
        schema,
        document,
        variables,
        page_info,
    };
    pricer.selection_set(&op.selection_set, 0)
}

struct Pricer<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    variables: &'a Value,
    page_info: PageInfo,
}

/// Deeper than any document TMAS sends; stops a cycle of fragments from looping.
const MAX_DEPTH: usize = 64;

impl Pricer<'_> {
    fn selection_set(&self, set: &SelectionSet, depth: usize) -> Result<u64, String> {
        if depth > MAX_DEPTH {
            return Err("the document is nested too deeply".into());
        }
        let mut total = 0u64;
        for selection in &set.selections {
            total = total.saturating_add(match selection {
                Selection::Field(f) => self.field(f, depth)?,
                Selection::InlineFragment(i) => self.selection_set(&i.selection_set, depth + 1)?,
                Selection::FragmentSpread(s) => match self.document.fragments.get(&s.fragment_name)
                {
                    Some(fragment) => self.selection_set(&fragment.selection_set, depth + 1)?,
                    None => return Err(format!("fragment {} is not defined", s.fragment_name)),
                },
            });
        }
        Ok(total)
    }

    fn field(&self, f: &Field, depth: usize) -> Result<u64, String> {
        let ty = &f.definition.ty;
        let named = ty.inner_named_type();
        match self.schema.types.get(named) {
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
            }
            // Scalars, enums (and unknown names, which validation refuses) cost nothing.
            _ => return Ok(0),
        }
        if named == "PageInfo" {
            return Ok(self.page_info.points());
        }
        let children = || self.selection_set(&f.selection_set, depth + 1);
        if self.is_connection(named) {
            let size = self.size(f)?.ok_or_else(|| {
                format!(
                    "you must provide one of first or last to properly paginate the `{}` connection.",
                    f.name
                )
            })?;
            let mut total = 2u64;
            for selection in &f.selection_set.selections {
                let Selection::Field(part) = selection else {
                    total = total.saturating_add(match selection {
                        Selection::InlineFragment(i) => {
                            self.selection_set(&i.selection_set, depth + 1)?
                        }
                        _ => 0,
                    });
                    continue;
                };
                let points = match part.name.as_str() {
                    // One node: the object and what is selected in it.
                    "nodes" => {
                        size.saturating_mul(1 + self.selection_set(&part.selection_set, depth + 2)?)
                    }
                    "edges" => size.saturating_mul(self.edge(part, depth + 2)?),
                    _ => self.field(part, depth + 1)?,
                };
                total = total.saturating_add(points);
            }
            return Ok(total);
        }
        let one = 1 + children()?;
        Ok(match (ty.is_list(), self.size(f)?) {
            (true, Some(n)) => n.saturating_mul(one),
            _ => one,
        })
    }

    /// One edge of `edges { cursor node { … } }`: its node (the edge itself is free).
    fn edge(&self, edges: &Field, depth: usize) -> Result<u64, String> {
        let mut total = 0u64;
        for selection in &edges.selection_set.selections {
            if let Selection::Field(part) = selection
                && part.name == "node"
            {
                total =
                    total.saturating_add(1 + self.selection_set(&part.selection_set, depth + 1)?);
            }
        }
        Ok(total)
    }

    /// A Relay connection type: `…Connection` with `pageInfo` (every Shopify connection).
    fn is_connection(&self, type_name: &str) -> bool {
        type_name.ends_with("Connection")
            && self
                .schema
                .get_object(type_name)
                .is_some_and(|o| o.fields.contains_key("pageInfo"))
    }

    /// `first` or `last`, from a literal or a variable.
    fn size(&self, f: &Field) -> Result<Option<u64>, String> {
        for name in ["first", "last"] {
            let Some(value) = f.specified_argument_by_name(name) else {
                continue;
            };
            let n = match value.as_ref() {
                ast::Value::Int(i) => i.try_to_i32().ok().map(i64::from),
                ast::Value::Variable(v) => match self.variables.get(v.as_str()) {
                    Some(Value::Null) | None => continue,
                    Some(v) => v.as_i64(),
                },
                ast::Value::Null => continue,
                _ => None,
            };
            return match n {
                Some(n) => Ok(Some(n.max(0) as u64)),
                None => Err(format!("`{name}` of `{}` is not an integer", f.name)),
            };
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;
    use serde_json::json;

    fn cost(q: &str, vars: Value, page_info: PageInfo) -> Result<u64, String> {
        let doc = schema::validate(q, "q.graphql")?;
        requested_cost(schema::admin(), &doc, None, &vars, page_info)
    }

    #[test]
    fn prices_like_shopifys_documented_example() {
        // shopify.dev: products(first: 10) with variants(first: 5) costs 2 + 10 × (1 + 2 + 5).
        let q = "{ products(first: 10) { edges { node { title variants(first: 5) { edges { node { price } } } } } } }";
        assert_eq!(cost(q, Value::Null, PageInfo::Free), Ok(82));
        assert_eq!(cost(q, Value::Null, PageInfo::Object), Ok(82));
        assert_eq!(
            cost("{ shop { name } }", Value::Null, PageInfo::Object),
            Ok(1)
        );
    }

    #[test]
    fn page_info_is_priced_under_the_reading_asked_for() {
        let q = "query Q($n: Int!) { orders(first: $n) { nodes { id lineItems(first: 3) { nodes { id } pageInfo { hasNextPage } } } pageInfo { hasNextPage endCursor } } }";
        // 2 + n × (1 + 2 + 3 × 1 [+ 1]) [+ 1]
        assert_eq!(
            cost(q, json!({"n": 10}), PageInfo::Free),
            Ok(2 + 10 * (1 + 2 + 3))
        );
        assert_eq!(
            cost(q, json!({"n": 10}), PageInfo::Object),
            Ok(2 + 10 * (1 + 2 + 3 + 1) + 1)
        );
    }

    #[test]
    fn sized_lists_multiply_and_unsized_lists_count_once() {
        let q = "{ order(id: \"gid://shopify/Order/1\") { refunds(first: 3) { id refundLineItems(first: 2) { nodes { quantity } } } discountApplications(first: 1) { nodes { value { __typename } } } taxLines { rate } } }";
        // order 1 + refunds 3 × (1 + 2 + 2 × 1) + connection 2 + 1 × (1 + union 1) + unsized list 1
        assert_eq!(
            cost(q, Value::Null, PageInfo::Free),
            Ok(1 + 3 * 5 + (2 + 2) + 1)
        );
    }

    #[test]
    fn a_connection_needs_first_or_last() {
        let doc = apollo_compiler::ExecutableDocument::parse(
            schema::admin(),
            "{ orders { nodes { id } } }",
            "q.graphql",
        )
        .expect("parses");
        let e = requested_cost(schema::admin(), &doc, None, &Value::Null, PageInfo::Free)
            .expect_err("no size");
        assert!(e.contains("first or last"), "{e}");
    }
}
