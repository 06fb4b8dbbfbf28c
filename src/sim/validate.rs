//! Checks each document the simulator receives against Shopify's schema (the one compiled
//! into TMAS), and words every problem as Shopify does: HTTP 200, an `errors` list whose
//! entries carry `message`, `locations`, `path` and `extensions.code` (`undefinedField`,
//! `argumentNotAccepted`, `missingRequiredArguments`, `argumentLiteralsIncompatible`,
//! `selectionMismatch`, `variableNotDefined`, `variableNotUsed`…, graphql-ruby's codes).
//! What these rules do not cover is still refused by the full GraphQL validation.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use apollo_compiler::ast::{self, Definition, Selection};
use apollo_compiler::parser::SourceMap;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Node, Schema};
use serde_json::{Value, json};

/// Documents already found valid, by their text: a client sends the same few documents over
/// and over, and each is checked once.
static VALID: LazyLock<Mutex<HashMap<String, Arc<Valid<ExecutableDocument>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));
/// More distinct documents than any client of the simulator sends; past it, start over.
const CACHED_DOCUMENTS: usize = 256;

/// [`check`] against Shopify's schema compiled into TMAS, remembering valid documents.
pub fn check_admin(query: &str) -> Result<Arc<Valid<ExecutableDocument>>, Vec<Value>> {
    if let Some(d) = VALID.lock().ok().and_then(|m| m.get(query).cloned()) {
        return Ok(d);
    }
    let document = Arc::new(check(crate::shopify::schema::admin(), query)?);
    if let Ok(mut m) = VALID.lock() {
        if m.len() >= CACHED_DOCUMENTS {
            m.clear();
        }
        m.insert(query.to_string(), document.clone());
    }
    Ok(document)
}

/// The document, valid against the schema, or Shopify's errors for it.
pub fn check(schema: &Valid<Schema>, query: &str) -> Result<Valid<ExecutableDocument>, Vec<Value>> {
    let document = match ast::Document::parse(query, "query.graphql") {
        Ok(d) => d,
        Err(with_errors) => {
            return Err(with_errors
                .errors
                .iter()
                .map(|d| {
                    let mut e = json!({
                        "message": format!("syntax error, {}", d.error),
                        "extensions": { "code": "GRAPHQL_PARSE_FAILED" },
                    });
                    if let Some(at) = d.line_column_range() {
                        e["locations"] =
                            json!([{ "line": at.start.line, "column": at.start.column }]);
                    }
                    e
                })
                .collect());
        }
    };
    let mut checker = Checker {
        schema,
        sources: &document.sources,
        document: &document,
        errors: Vec::new(),
    };
    for definition in &document.definitions {
        match definition {
            Definition::OperationDefinition(op) => checker.operation(op),
            Definition::FragmentDefinition(f) => {
                let path = vec![format!("fragment {}", f.name)];
                checker.selections(&f.selection_set, f.type_condition.as_str(), &path);
            }
            _ => {}
        }
    }
    if !checker.errors.is_empty() {
        return Err(checker.errors);
    }
    document
        .to_executable_validate(schema)
        .map_err(|with_errors| {
            with_errors
                .errors
                .iter()
                .map(|d| {
                    let code = d
                        .error
                        .unstable_error_name()
                        .map_or("validationFailed", shopify_code);
                    let mut e =
                        json!({ "message": d.error.to_string(), "extensions": { "code": code } });
                    if let Some(at) = d.line_column_range() {
                        e["locations"] =
                            json!([{ "line": at.start.line, "column": at.start.column }]);
                    }
                    e
                })
                .collect()
        })
}

/// graphql-ruby's code for a rule the full validation caught.
fn shopify_code(rule: &str) -> &'static str {
    match rule {
        "UndefinedField" => "undefinedField",
        "UndefinedArgument" => "argumentNotAccepted",
        "RequiredArgument" => "missingRequiredArguments",
        "UnsupportedValueType"
        | "IntCoercionError"
        | "FloatCoercionError"
        | "UndefinedEnumValue"
        | "UndefinedInputValue"
        | "RequiredField" => "argumentLiteralsIncompatible",
        "UndefinedVariable" => "variableNotDefined",
        "UnusedVariable" => "variableNotUsed",
        "DisallowedVariableUsage" => "variableMismatch",
        "MissingSubselection" | "SubselectionOnScalarType" | "SubselectionOnEnumType" => {
            "selectionMismatch"
        }
        "UndefinedFragment" => "undefinedFragment",
        "UnusedFragment" => "useAndDefineFragment",
        "UndefinedDefinition" => "undefinedType",
        _ => "validationFailed",
    }
}

struct Checker<'a> {
    schema: &'a Schema,
    sources: &'a SourceMap,
    document: &'a ast::Document,
    errors: Vec<Value>,
}

impl Checker<'_> {
    fn location<T>(&self, node: &Node<T>) -> Value {
        match node.line_column_range(self.sources) {
            Some(r) => json!([{ "line": r.start.line, "column": r.start.column }]),
            None => json!([]),
        }
    }

    fn push(&mut self, message: String, locations: Value, path: &[String], extensions: Value) {
        self.errors.push(json!({
            "message": message,
            "locations": locations,
            "path": path,
            "extensions": extensions,
        }));
    }

    fn operation(&mut self, op: &Node<ast::OperationDefinition>) {
        let kind = op.operation_type.name();
        let (path, who) = match &op.name {
            Some(n) => (format!("{kind} {n}"), n.to_string()),
            None => (kind.to_string(), format!("anonymous {kind}")),
        };
        let Some(root) = self.schema.root_operation(op.operation_type) else {
            self.push(
                format!("Schema is not configured for {kind}s"),
                self.location(op),
                &[path],
                json!({ "code": "missingQueryConfiguration" }),
            );
            return;
        };
        let root = root.to_string();
        let path = vec![path];
        self.selections(&op.selection_set, &root, &path);

        let mut used = BTreeSet::new();
        let mut seen_fragments = BTreeSet::new();
        self.variables_in(&op.selection_set, &mut used, &mut seen_fragments);
        let declared: BTreeSet<String> = op.variables.iter().map(|v| v.name.to_string()).collect();
        for name in used.difference(&declared) {
            self.push(
                format!("Variable ${name} is used by {who} but not declared"),
                self.location(op),
                &path,
                json!({ "code": "variableNotDefined", "variableName": name }),
            );
        }
        for v in &op.variables {
            if !used.contains(v.name.as_str()) {
                self.push(
                    format!("Variable ${} is declared by {who} but not used", v.name),
                    self.location(v),
                    &path,
                    json!({ "code": "variableNotUsed", "variableName": v.name.as_str() }),
                );
            }
        }
    }

    fn selections(&mut self, set: &[Selection], parent: &str, path: &[String]) {
        for selection in set {
            match selection {
                Selection::Field(f) => self.field(f, parent, path),
                Selection::InlineFragment(i) => {
                    let on = i
                        .type_condition
                        .as_ref()
                        .map_or(parent.to_string(), |t| t.to_string());
                    let mut here = path.to_vec();
                    here.push(format!("... on {on}"));
                    self.selections(&i.selection_set, &on, &here);
                }
                // Fragment definitions are checked on their own.
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    fn field(&mut self, f: &Node<ast::Field>, parent: &str, path: &[String]) {
        let mut here = path.to_vec();
        here.push(f.response_name().to_string());
        if f.name == "__typename" {
            return;
        }
        let Ok(definition) = self.schema.type_field(parent, &f.name) else {
            self.push(
                format!("Field '{}' doesn't exist on type '{parent}'", f.name),
                self.location(f),
                &here,
                json!({ "code": "undefinedField", "typeName": parent, "fieldName": f.name.as_str() }),
            );
            return;
        };
        self.field_arguments(f, definition, &here);
        self.field_selections(f, definition, &here);
    }

    /// Each argument given must be one the field takes, its literal of the right type; each
    /// required argument must be given.
    fn field_arguments(
        &mut self,
        f: &Node<ast::Field>,
        definition: &ast::FieldDefinition,
        here: &[String],
    ) {
        for argument in &f.arguments {
            let mut at = here.to_vec();
            at.push(argument.name.to_string());
            match definition.argument_by_name(&argument.name) {
                None => self.push(
                    format!("Field '{}' doesn't accept argument '{}'", f.name, argument.name),
                    self.location(argument),
                    &at,
                    json!({
                        "code": "argumentNotAccepted",
                        "name": f.name.as_str(),
                        "typeName": "Field",
                        "argumentName": argument.name.as_str(),
                    }),
                ),
                Some(expected) if !self.literal_fits(&argument.value, &expected.ty) => self.push(
                    format!(
                        "Argument '{}' on Field '{}' has an invalid value ({}). Expected type '{}'.",
                        argument.name, f.name, argument.value, expected.ty
                    ),
                    self.location(argument),
                    &at,
                    json!({
                        "code": "argumentLiteralsIncompatible",
                        "typeName": "Field",
                        "argumentName": argument.name.as_str(),
                    }),
                ),
                Some(_) => {}
            }
        }
        let missing: Vec<&str> = definition
            .arguments
            .iter()
            .filter(|a| a.ty.is_non_null() && a.default_value.is_none())
            .filter(|a| !f.arguments.iter().any(|given| given.name == a.name))
            .map(|a| a.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.push(
                format!(
                    "Field '{}' is missing required arguments: {}",
                    f.name,
                    missing.join(", ")
                ),
                self.location(f),
                here,
                json!({
                    "code": "missingRequiredArguments",
                    "className": "Field",
                    "name": f.name.as_str(),
                    "arguments": missing.join(", "),
                }),
            );
        }
    }

    /// A field returning an object, interface or union needs selections (checked in turn);
    /// a scalar's field takes none.
    fn field_selections(
        &mut self,
        f: &Node<ast::Field>,
        definition: &ast::FieldDefinition,
        here: &[String],
    ) {
        let returns = definition.ty.inner_named_type().to_string();
        let composite = matches!(
            self.schema.types.get(returns.as_str()),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        );
        match (composite, f.selection_set.is_empty()) {
            (true, true) => self.push(
                format!(
                    "Field must have selections (field '{name}' returns {returns} but has no selections. Did you mean '{name} {{ ... }}'?)",
                    name = f.name
                ),
                self.location(f),
                here,
                json!({ "code": "selectionMismatch", "nodeName": format!("field '{}'", f.name), "typeName": returns }),
            ),
            (false, false) => {
                let names: Vec<String> = f
                    .selection_set
                    .iter()
                    .filter_map(|s| match s {
                        Selection::Field(c) => Some(c.name.to_string()),
                        _ => None,
                    })
                    .collect();
                self.push(
                    format!(
                        "Selections can't be made on scalars (field '{}' returns {returns} but has selections [{}])",
                        f.name,
                        names.join(", ")
                    ),
                    self.location(f),
                    here,
                    json!({ "code": "selectionMismatch", "nodeName": format!("field '{}'", f.name), "typeName": returns }),
                );
            }
            (true, false) => self.selections(&f.selection_set, &returns, here),
            (false, true) => {}
        }
    }

    /// Whether a literal can be read as `ty` (variables are checked by the full validation).
    fn literal_fits(&self, value: &ast::Value, ty: &ast::Type) -> bool {
        use ast::Value as V;
        match value {
            V::Variable(_) => return true,
            V::Null => return !ty.is_non_null(),
            _ => {}
        }
        if ty.is_list() {
            let item = ty.item_type();
            return match value {
                V::List(items) => items.iter().all(|i| self.literal_fits(i, item)),
                single => self.literal_fits(single, item),
            };
        }
        let name = ty.inner_named_type().as_str();
        match self.schema.types.get(name) {
            Some(ExtendedType::Scalar(_)) => match name {
                "Int" => matches!(value, V::Int(i) if i.try_to_i32().is_ok()),
                "Float" => matches!(value, V::Int(_) | V::Float(_)),
                "String" => matches!(value, V::String(_)),
                "Boolean" => matches!(value, V::Boolean(_)),
                "ID" => matches!(value, V::String(_) | V::Int(_)),
                // Shopify's own scalars (DateTime, URL, Decimal…) read from literals.
                _ => !matches!(value, V::List(_) | V::Object(_) | V::Enum(_)),
            },
            Some(ExtendedType::Enum(e)) => {
                matches!(value, V::Enum(v) if e.values.contains_key(v.as_str()))
            }
            Some(ExtendedType::InputObject(input)) => match value {
                V::Object(fields) => {
                    fields.iter().all(|(k, v)| {
                        input
                            .fields
                            .get(k.as_str())
                            .is_some_and(|def| self.literal_fits(v, &def.ty))
                    }) && input.fields.iter().all(|(k, def)| {
                        !def.ty.is_non_null()
                            || def.default_value.is_some()
                            || fields.iter().any(|(given, _)| given == k)
                    })
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Every `$variable` the selection uses, fragments included.
    fn variables_in(
        &self,
        set: &[Selection],
        used: &mut BTreeSet<String>,
        seen_fragments: &mut BTreeSet<String>,
    ) {
        fn in_value(v: &ast::Value, used: &mut BTreeSet<String>) {
            match v {
                ast::Value::Variable(n) => {
                    used.insert(n.to_string());
                }
                ast::Value::List(items) => items.iter().for_each(|i| in_value(i, used)),
                ast::Value::Object(fields) => fields.iter().for_each(|(_, i)| in_value(i, used)),
                _ => {}
            }
        }
        for selection in set {
            match selection {
                Selection::Field(f) => {
                    f.arguments.iter().for_each(|a| in_value(&a.value, used));
                    f.directives
                        .iter()
                        .flat_map(|d| d.arguments.iter())
                        .for_each(|a| in_value(&a.value, used));
                    self.variables_in(&f.selection_set, used, seen_fragments);
                }
                Selection::InlineFragment(i) => {
                    self.variables_in(&i.selection_set, used, seen_fragments)
                }
                Selection::FragmentSpread(s) => {
                    if seen_fragments.insert(s.fragment_name.to_string()) {
                        for d in &self.document.definitions {
                            if let Definition::FragmentDefinition(f) = d
                                && f.name == s.fragment_name
                            {
                                self.variables_in(&f.selection_set, used, seen_fragments);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shopify::schema;

    fn errors(q: &str) -> Vec<Value> {
        check(schema::admin(), q).expect_err("invalid")
    }

    #[test]
    fn accepts_what_shopify_accepts() {
        assert!(check(schema::admin(), "query Q($n: Int!) { orders(first: $n) { nodes { id name } pageInfo { hasNextPage } } }").is_ok());
    }

    #[test]
    fn an_unknown_field_is_refused_like_shopify() {
        let e = errors("query TmasShop {\n  shop {\n    name\n    nme\n  }\n}");
        assert_eq!(
            e,
            vec![json!({
                "message": "Field 'nme' doesn't exist on type 'Shop'",
                "locations": [{ "line": 4, "column": 5 }],
                "path": ["query TmasShop", "shop", "nme"],
                "extensions": { "code": "undefinedField", "typeName": "Shop", "fieldName": "nme" },
            })]
        );
    }

    #[test]
    fn wrong_and_missing_arguments_are_refused_with_their_codes() {
        let e = errors("{ order { id } }");
        assert_eq!(e[0]["extensions"]["code"], "missingRequiredArguments");
        assert_eq!(
            e[0]["message"],
            "Field 'order' is missing required arguments: id"
        );
        assert_eq!(e[0]["path"], json!(["query", "order"]));

        let e = errors("{ orders(first: \"ten\") { nodes { id } } }");
        assert_eq!(e[0]["extensions"]["code"], "argumentLiteralsIncompatible");
        assert_eq!(
            e[0]["message"],
            "Argument 'first' on Field 'orders' has an invalid value (\"ten\"). Expected type 'Int'."
        );
        assert_eq!(e[0]["path"], json!(["query", "orders", "first"]));
        assert_eq!(e[0]["locations"], json!([{ "line": 1, "column": 10 }]));

        let e = errors("{ orders(first: 5, sortKey: NOPE) { nodes { id } } }");
        assert_eq!(e[0]["extensions"]["argumentName"], "sortKey");

        let e = errors("{ shop(id: 1) { name } }");
        assert_eq!(e[0]["extensions"]["code"], "argumentNotAccepted");
    }

    #[test]
    fn selections_and_variables_are_checked() {
        let e = errors("{ shop }");
        assert_eq!(e[0]["extensions"]["code"], "selectionMismatch");
        let e = errors("{ shop { name { x } } }");
        assert_eq!(e[0]["extensions"]["code"], "selectionMismatch");
        let e = errors("query Q { orders(first: $n) { nodes { id } } }");
        assert_eq!(e[0]["extensions"]["code"], "variableNotDefined");
        let e = errors("query Q($n: Int) { shop { name } }");
        assert_eq!(e[0]["extensions"]["code"], "variableNotUsed");
        let e = errors("{ shop { name }");
        assert_eq!(e[0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED");
        assert!(e[0]["locations"].is_array());
    }
}
