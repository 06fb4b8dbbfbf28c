//! Just enough GraphQL for the simulator to run a query Shopify's schema has accepted
//! (`validate`) and priced (`shopify::cost`): parse the operation's selection set (with its
//! arguments resolved from the variables), price what was actually returned, and cut a
//! rendered answer down to the fields that were asked for.
//!
//! The actual cost follows the requested cost's rules (an object 1, a connection 2 plus one
//! node per node returned, `pageInfo` as the shop's pricing says) on what came back.

use serde_json::{Map, Value};

use crate::shopify::cost::PageInfo;

/// One selected field, with its arguments already resolved from the variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub alias: Option<String>,
    pub args: Vec<(String, Value)>,
    pub selection: Vec<Field>,
    /// The type condition of the inline fragment this field was selected in
    /// (`... on ProductSale { lineItem { id } }`): it applies only to objects of that type
    /// (or of a type implementing that interface).
    pub on: Option<String>,
}

impl Field {
    /// The key this field has in the answer.
    pub fn key(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.name)
    }

    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    pub fn child(&self, name: &str) -> Option<&Field> {
        self.selection.iter().find(|f| f.name == name)
    }

    /// The selection of one node of a connection (`nodes { … }` or `edges { node { … } }`).
    pub fn node_selection(&self) -> Option<&[Field]> {
        if let Some(nodes) = self.child("nodes") {
            return Some(&nodes.selection);
        }
        self.child("edges")
            .and_then(|e| e.child("node"))
            .map(|n| n.selection.as_slice())
    }

    fn is_connection(&self) -> bool {
        self.child("nodes").is_some() || self.child("edges").is_some()
    }

    /// `first` or `last`, when given as an integer.
    fn size(&self) -> Option<i64> {
        self.arg("first")
            .or_else(|| self.arg("last"))
            .and_then(Value::as_i64)
    }
}

/// Parses the first operation of `query`, resolving `$variables` from `variables`. Inline
/// fragments with a type condition are read into their fields (each remembering the
/// condition, see [`Field::on`]); named fragments are refused: TMAS never sends them, and a
/// simulator that ignored them would be lenient.
pub fn parse(query: &str, variables: &Value) -> Result<Vec<Field>, String> {
    let tokens = tokenize(query)?;
    let mut p = Parser {
        tokens,
        at: 0,
        variables,
    };
    // Skip `query Name($a: T, …)` up to the operation's selection set.
    let mut depth = 0i32;
    while let Some(t) = p.peek() {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth -= 1,
            Token::Punct('{') if depth == 0 => break,
            _ => {}
        }
        p.at += 1;
    }
    if p.peek().is_none() {
        return Err("syntax error, unexpected end of file".into());
    }
    p.selection_set()
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    Num(String),
    Punct(char),
    Spread,
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() || c == ',' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("syntax error, unterminated string".into()),
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(&e) = chars.get(i + 1) {
                                text.push(match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    other => other,
                                });
                            }
                            i += 2;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Token::Str(text));
            }
            '.' if chars.get(i + 1) == Some(&'.') && chars.get(i + 2) == Some(&'.') => {
                out.push(Token::Spread);
                i += 3;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Name(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_digit() || matches!(chars[i], '.' | 'e' | 'E'))
                {
                    i += 1;
                }
                out.push(Token::Num(chars[start..i].iter().collect()));
            }
            '{' | '}' | '(' | ')' | ':' | '$' | '!' | '[' | ']' | '=' | '@' => {
                out.push(Token::Punct(c));
                i += 1;
            }
            other => return Err(format!("syntax error, unexpected character '{other}'")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    variables: &'a Value,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Result<Token, String> {
        let t = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or("syntax error, unexpected end of file")?;
        self.at += 1;
        Ok(t)
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next()? {
            Token::Punct(p) if p == c => Ok(()),
            other => Err(format!("syntax error, expected '{c}', found {other:?}")),
        }
    }

    fn name(&mut self) -> Result<String, String> {
        match self.next()? {
            Token::Name(n) => Ok(n),
            other => Err(format!("syntax error, expected a name, found {other:?}")),
        }
    }

    fn selection_set(&mut self) -> Result<Vec<Field>, String> {
        self.expect('{')?;
        let mut fields = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Punct('}')) => {
                    self.at += 1;
                    return Ok(fields);
                }
                Some(Token::Spread) => {
                    self.at += 1;
                    if self.peek() != Some(&Token::Name("on".into())) {
                        return Err(
                            "named fragments and fragments without a type condition are not supported by the simulator"
                                .into(),
                        );
                    }
                    self.at += 1;
                    let on = self.name()?;
                    for mut f in self.selection_set()? {
                        // The innermost condition is the one that decides.
                        f.on.get_or_insert_with(|| on.clone());
                        fields.push(f);
                    }
                }
                _ => fields.push(self.field()?),
            }
        }
    }

    fn field(&mut self) -> Result<Field, String> {
        let mut name = self.name()?;
        let mut alias = None;
        if self.peek() == Some(&Token::Punct(':')) {
            self.at += 1;
            alias = Some(name);
            name = self.name()?;
        }
        let mut args = Vec::new();
        if self.peek() == Some(&Token::Punct('(')) {
            self.at += 1;
            while self.peek() != Some(&Token::Punct(')')) {
                let arg = self.name()?;
                self.expect(':')?;
                args.push((arg, self.value()?));
            }
            self.at += 1;
        }
        let selection = if self.peek() == Some(&Token::Punct('{')) {
            self.selection_set()?
        } else {
            Vec::new()
        };
        Ok(Field {
            name,
            alias,
            args,
            selection,
            on: None,
        })
    }

    fn value(&mut self) -> Result<Value, String> {
        Ok(match self.next()? {
            Token::Punct('$') => {
                let name = self.name()?;
                self.variables.get(&name).cloned().unwrap_or(Value::Null)
            }
            Token::Str(s) => Value::String(s),
            Token::Num(n) => match n.parse::<i64>() {
                Ok(i) => Value::from(i),
                Err(_) => n
                    .parse::<f64>()
                    .map(Value::from)
                    .map_err(|_| format!("syntax error, bad number {n}"))?,
            },
            Token::Name(n) => match n.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                _ => Value::String(n), // an enum value
            },
            Token::Punct('[') => {
                let mut items = Vec::new();
                while self.peek() != Some(&Token::Punct(']')) {
                    items.push(self.value()?);
                }
                self.at += 1;
                Value::Array(items)
            }
            Token::Punct('{') => {
                let mut object = Map::new();
                while self.peek() != Some(&Token::Punct('}')) {
                    let key = self.name()?;
                    self.expect(':')?;
                    object.insert(key, self.value()?);
                }
                self.at += 1;
                Value::Object(object)
            }
            other => return Err(format!("syntax error, unexpected {other:?}")),
        })
    }
}

/// The actual cost of an answer: what the requested cost would be had every connection and
/// sized list asked for exactly what came back.
///
/// `data` is the projected answer: fields of fragments that did not apply are not in it, and
/// a key selected twice (in and out of fragments) is one field of the answer, priced once.
pub fn actual_cost(selection: &[Field], data: &Value, page_info: PageInfo) -> u64 {
    let mut priced: Vec<&str> = Vec::new();
    selection
        .iter()
        .map(|f| {
            if priced.contains(&f.key()) {
                return 0;
            }
            priced.push(f.key());
            match data.get(f.key()) {
                Some(v) => field_actual(f, v, page_info),
                None => 0,
            }
        })
        .sum()
}

fn field_actual(f: &Field, v: &Value, page_info: PageInfo) -> u64 {
    if f.selection.is_empty() {
        return 0;
    }
    if f.name == "pageInfo" {
        return page_info.points();
    }
    if f.is_connection() {
        let node = f.node_selection().unwrap_or(&[]);
        let nodes = v
            .get("nodes")
            .or_else(|| v.get("edges"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let page = if f.child("pageInfo").is_some() {
            page_info.points()
        } else {
            0
        };
        return 2
            + page
            + nodes
                .iter()
                .map(|n| 1 + actual_cost(node, n.get("node").unwrap_or(n), page_info))
                .sum::<u64>();
    }
    match v {
        Value::Null => 1,
        Value::Array(items) if f.size().is_some() => items
            .iter()
            .map(|i| 1 + actual_cost(&f.selection, i, page_info))
            .sum(),
        // An unsized list is priced as one element, like its requested cost.
        Value::Array(items) => {
            1 + items
                .iter()
                .map(|i| actual_cost(&f.selection, i, page_info))
                .max()
                .unwrap_or(0)
        }
        _ => 1 + actual_cost(&f.selection, v, page_info),
    }
}

/// Cuts `data` down to the selected fields (under their aliases), as a GraphQL server
/// answers. A selected field the rendered object does not have is refused the way Shopify
/// refuses a field its schema lacks, so TMAS can only rely on what it asks for.
pub fn project(selection: &[Field], data: &Value, path: &str) -> Result<Value, String> {
    let Value::Object(object) = data else {
        return Ok(data.clone());
    };
    let mut out = Map::new();
    let concrete = object.get("__typename").and_then(Value::as_str);
    for f in selection {
        if let Some(on) = &f.on
            && !type_applies(on, concrete, path)
        {
            continue;
        }
        let here = format!("{path}.{}", f.name);
        let value = match object.get(&f.name) {
            Some(v) => v,
            None if f.name == "edges" && object.contains_key("nodes") => {
                out.insert(
                    f.key().to_string(),
                    edges_from_nodes(f, &object["nodes"], &here)?,
                );
                continue;
            }
            None if f.name == "__typename" => continue,
            None => return Err(format!("Field '{}' doesn't exist on {path}", f.name)),
        };
        let projected = if f.selection.is_empty() {
            value.clone()
        } else {
            match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|i| project(&f.selection, i, &here))
                        .collect::<Result<_, _>>()?,
                ),
                other => project(&f.selection, other, &here)?,
            }
        };
        merge_into(&mut out, f.key(), projected);
    }
    Ok(Value::Object(out))
}

/// Puts a field's value in the answer, merging it with the same key selected before (in
/// and out of fragments), as GraphQL merges fields.
fn merge_into(out: &mut Map<String, Value>, key: &str, value: Value) {
    match (out.get_mut(key), value) {
        (Some(Value::Object(before)), Value::Object(more)) => {
            for (k, v) in more {
                merge_into(before, &k, v);
            }
        }
        (Some(Value::Array(before)), Value::Array(more)) if before.len() == more.len() => {
            for (b, m) in before.iter_mut().zip(more) {
                if let (Value::Object(b), Value::Object(m)) = (b, m) {
                    for (k, v) in m {
                        merge_into(b, &k, v);
                    }
                }
            }
        }
        (_, value) => {
            out.insert(key.to_string(), value);
        }
    }
}

/// Whether a fragment on `on` applies to an object of type `concrete`: the same type, or an
/// interface or union it belongs to in Shopify's schema. An object rendered without its
/// `__typename` is of the one type its field has, which the schema has already checked
/// against the fragment.
fn type_applies(on: &str, concrete: Option<&str>, _path: &str) -> bool {
    let Some(concrete) = concrete else {
        return true;
    };
    if on == concrete {
        return true;
    }
    let schema = crate::shopify::schema::admin();
    match schema.types.get(on) {
        Some(apollo_compiler::schema::ExtendedType::Union(u)) => {
            u.members.iter().any(|m| m.as_str() == concrete)
        }
        Some(apollo_compiler::schema::ExtendedType::Interface(_)) => {
            match schema.types.get(concrete) {
                Some(apollo_compiler::schema::ExtendedType::Object(o)) => {
                    o.implements_interfaces.iter().any(|i| i.as_str() == on)
                }
                Some(apollo_compiler::schema::ExtendedType::Interface(i)) => {
                    i.implements_interfaces.iter().any(|i| i.as_str() == on)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// `edges { node { … } }` of a connection the simulator renders as `nodes`.
fn edges_from_nodes(edges: &Field, nodes: &Value, path: &str) -> Result<Value, String> {
    let items = nodes.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut out = Vec::with_capacity(items.len());
    for n in items {
        let mut edge = Map::new();
        for f in &edges.selection {
            match f.name.as_str() {
                "node" => {
                    edge.insert(f.key().to_string(), project(&f.selection, n, path)?);
                }
                "cursor" => {
                    let id = n.get("id").and_then(Value::as_str).unwrap_or_default();
                    edge.insert(f.key().to_string(), Value::String(base64_of(id.as_bytes())));
                }
                other => return Err(format!("Field '{other}' doesn't exist on {path}")),
            }
        }
        out.push(Value::Object(edge));
    }
    Ok(Value::Array(out))
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refuses_named_fragments_and_broken_documents() {
        assert!(parse("{ shop { ...F } }", &Value::Null).is_err());
        assert!(parse("{ shop { ... { name } } }", &Value::Null).is_err());
        assert!(parse("{ shop { name }", &Value::Null).is_err());
        assert!(parse("query", &Value::Null).is_err());
        assert!(parse("{ shop { name: } }", &Value::Null).is_err());
    }

    #[test]
    fn reads_arguments_of_every_kind() {
        let f = parse(
            "query Q($after: String) { orders(first: 5, after: $after, query: \"a:'b' \\\"c\\\"\", sortKey: UPDATED_AT, reverse: false) { nodes { id } } }",
            &json!({"after": "abc"}),
        )
        .expect("parses");
        let o = &f[0];
        assert_eq!(o.arg("first"), Some(&json!(5)));
        assert_eq!(o.arg("after"), Some(&json!("abc")));
        assert_eq!(o.arg("query"), Some(&json!("a:'b' \"c\"")));
        assert_eq!(o.arg("sortKey"), Some(&json!("UPDATED_AT")));
        assert_eq!(o.arg("reverse"), Some(&json!(false)));
    }

    #[test]
    fn actual_cost_counts_what_came_back() {
        let sel = parse(
            "{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { id } } } } }",
            &Value::Null,
        )
        .expect("parses");
        let data = json!({ "orders": { "nodes": [
            { "id": "1", "lineItems": { "nodes": [{ "id": "a" }, { "id": "b" }] } },
        ] } });
        assert_eq!(actual_cost(&sel, &data, PageInfo::Free), 2 + (1 + 2 + 2));
        let paged = parse(
            "{ orders(first: 10) { nodes { id } pageInfo { hasNextPage } } }",
            &Value::Null,
        )
        .expect("parses");
        let data =
            json!({ "orders": { "nodes": [{ "id": "1" }], "pageInfo": { "hasNextPage": false } } });
        assert_eq!(actual_cost(&paged, &data, PageInfo::Free), 3);
        assert_eq!(actual_cost(&paged, &data, PageInfo::Object), 4);
    }

    #[test]
    fn answers_only_what_was_asked() {
        let sel = parse(
            "{ shop { name plan { shopifyPlus } n: currencyCode } }",
            &Value::Null,
        )
        .expect("parses");
        let data = json!({ "shop": { "name": "A", "currencyCode": "EUR", "email": "x@y",
            "plan": { "shopifyPlus": false, "partnerDevelopment": false } } });
        assert_eq!(
            project(&sel, &data, "query").expect("fields exist"),
            json!({ "shop": { "name": "A", "plan": { "shopifyPlus": false }, "n": "EUR" } })
        );
        let unknown = parse("{ shop { nonsense } }", &Value::Null).expect("parses");
        assert!(project(&unknown, &data, "query").is_err());
    }

    #[test]
    fn inline_fragments_apply_to_their_type_and_are_priced_once() {
        let sel = parse(
            "{ sales(first: 5) { nodes { __typename quantity ... on ProductSale { lineItem { id } } ... on Sale { actionType } ... on TipSale { lineItem { id } } } } }",
            &Value::Null,
        )
        .expect("parses");
        let data = json!({ "sales": { "nodes": [
            { "__typename": "ProductSale", "quantity": 1, "actionType": "ORDER",
              "lineItem": { "id": "L1", "quantity": 2 } },
            { "__typename": "ShippingLineSale", "quantity": 1, "actionType": "ORDER" },
        ] } });
        let out = project(&sel, &data, "query").expect("projects");
        assert_eq!(
            out,
            json!({ "sales": { "nodes": [
                { "__typename": "ProductSale", "quantity": 1,
                  "lineItem": { "id": "L1" }, "actionType": "ORDER" },
                { "__typename": "ShippingLineSale", "quantity": 1, "actionType": "ORDER" },
            ] } })
        );
        // The connection 2, two nodes 1 each, one lineItem object 1 (not twice).
        assert_eq!(actual_cost(&sel, &out, PageInfo::Free), 2 + 2 + 1);
    }

    #[test]
    fn serves_edges_from_nodes() {
        let sel = parse(
            "{ locations(first: 2) { edges { cursor node { id } } } }",
            &Value::Null,
        )
        .expect("parses");
        let data = json!({ "locations": { "nodes": [{ "id": "L1", "name": "x" }] } });
        let out = project(&sel, &data, "query").expect("projects");
        assert_eq!(out["locations"]["edges"][0]["node"], json!({ "id": "L1" }));
        assert!(out["locations"]["edges"][0]["cursor"].is_string());
    }
}
