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

pub const ERROR_CODES: &[(&str, &[&str])] = &[
    ("400", &["malformed_body", "unknown_parameter", "invalid_parameter"]),
    ("401", &["missing_token", "invalid_token"]),
    ("403", &["forbidden"]),
    ("404", &["not_found"]),
    ("409", &["duplicate_enterprise", "conflicting_identity"]),
    ("413", &["body_too_large"]),
    ("415", &["unsupported_media_type"]),
    (
        "422",
        &[
            "invalid_credit_code",
            "invalid_region",
            "ambiguous_region",
            "missing_field",
            "invalid_value",
            "invalid_chain",
        ],
    ),
    ("500", &["internal"]),
];

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
            for (status, _) in ERROR_CODES {
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
                        "code": {"type": "string", "enum": ERROR_CODES.iter().flat_map(|(_, c)| c.iter()).collect::<Vec<_>>()},
                        "message": {"type": "string"},
                        "field": {"type": "string"}}}}}}}
            }}
        }
    })
}
