//! The OpenAPI 3 description, built from the same route table the router is built from (see
//! `api::routes_table`), so a route cannot be served without being described.

use serde_json::{Value, json};

/// One operation of a route.
pub struct Op {
    pub method: &'static str,
    pub summary: &'static str,
    /// `none`, `viewer`, `analyst` or `admin`.
    pub role: &'static str,
    /// Query parameters.
    pub query: &'static [&'static str],
    /// Request media types, if it takes a body.
    pub body: &'static [&'static str],
    /// Success status.
    pub ok: u16,
}

/// The error codes by HTTP status, from the one table ([`crate::error::Code`]).
pub fn error_codes() -> std::collections::BTreeMap<u16, Vec<crate::error::Code>> {
    let mut by_status = std::collections::BTreeMap::<u16, Vec<_>>::new();
    for code in crate::error::Code::ALL {
        by_status.entry(code.http_status()).or_default().push(*code);
    }
    by_status
}

pub fn document(routes: &[(&str, &[Op])]) -> Value {
    let mut paths = serde_json::Map::new();
    for (path, ops) in routes {
        let mut item = serde_json::Map::new();
        let path_params: Vec<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for op in *ops {
            let mut parameters: Vec<Value> = path_params
                .iter()
                .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
                .collect();
            parameters.extend(
                op.query.iter().map(|q| json!({"name": q, "in": "query", "schema": {"type": "string"}})),
            );
            let mut responses = serde_json::Map::new();
            responses.insert(op.ok.to_string(), json!({"description": "success"}));
            for status in error_codes().keys() {
                responses.insert(status.to_string(), json!({"$ref": "#/components/responses/Error"}));
            }
            let mut operation = json!({
                "summary": op.summary,
                "parameters": parameters,
                "responses": responses,
                "x-role": op.role,
            });
            if op.role != "none" {
                operation["security"] = json!([{"bearer": []}]);
            }
            if !op.body.is_empty() {
                let content: serde_json::Map<String, Value> =
                    op.body.iter().map(|m| (m.to_string(), json!({"schema": {}}))).collect();
                operation["requestBody"] = json!({"required": true, "content": content});
            }
            item.insert(op.method.to_string(), operation);
        }
        paths.insert(path.to_string(), Value::Object(item));
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "chainscout", "version": env!("CARGO_PKG_VERSION"),
                 "description": "产业链招商图谱 API v1 (SPEC §8). Errors are {\"error\": {\"code\", \"message\", \"field\"?}}."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {
                "description": "an error with a stable code",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"error": {"type": "object", "properties": {
                        "code": {"type": "string", "enum": crate::error::Code::ALL},
                        "message": {"type": "string"},
                        "field": {"type": "string"}}}}}}}
            }}
        }
    })
}
