//! 主营产品 with their share of revenue (SPEC §11): how much of a firm a product is decides how
//! strongly a keyword match on it places the firm in a link.
//!
//! Inputs write a product as a plain name, as `{"name": "正极材料", "share": 0.62}`, or in a
//! spreadsheet cell as `正极材料 62%` / `正极材料(62%)` / `正极材料（62%）`. A product without a share
//! is stored and written back as the plain name, so records without shares look as they always did.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One main product. `share` is the part of revenue it brings, in [0, 1], when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub name: String,
    pub share: Option<f64>,
}

impl Product {
    pub fn named(name: impl Into<String>) -> Product {
        Product { name: name.into(), share: None }
    }

    /// Reads spreadsheet text: a name, optionally followed by a percentage (`正极材料 62%`,
    /// `正极材料(62%)`, `正极材料（62.5%）`). A percentage over 100 is an error in words.
    pub fn parse_text(text: &str) -> Result<Product, String> {
        let t = text.trim();
        let inner = t
            .strip_suffix(')')
            .or_else(|| t.strip_suffix('）'))
            .and_then(|rest| rest.rfind(['(', '（']).map(|at| (&rest[..at], &rest[at..])))
            .map(|(name, bracket)| (name, bracket.trim_start_matches(['(', '（'])));
        let (name, pct) = match inner {
            Some((name, pct)) if pct.trim().ends_with(['%', '％']) => (name, Some(pct)),
            _ => match t.rsplit_once(char::is_whitespace) {
                Some((name, pct)) if pct.ends_with(['%', '％']) => (name, Some(pct)),
                _ => (t, None),
            },
        };
        let Some(pct) = pct else { return Ok(Product::named(t)) };
        let number = pct.trim().trim_end_matches(['%', '％']).trim();
        // Text that only looks like a share (`型号 A%`) is a name.
        let Ok(value) = number.parse::<f64>() else { return Ok(Product::named(t)) };
        if !(0.0..=100.0).contains(&value) {
            return Err(format!("产品“{t}”的营收占比应在 0% 到 100% 之间"));
        }
        let name = name.trim();
        if name.is_empty() {
            return Ok(Product::named(t));
        }
        Ok(Product { name: name.to_string(), share: Some(value / 100.0) })
    }

    /// Reads one JSON list item: text as [`Product::parse_text`], or `{name, share}` with the
    /// share a number in [0, 1].
    pub fn from_json(v: &Value) -> Result<Option<Product>, String> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Product::parse_text(s).map(Some),
            Value::Number(n) => Ok(Some(Product::named(n.to_string()))),
            Value::Object(o) => {
                let name = match o.get("name") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                    _ => return Err("产品缺少名称（name）".into()),
                };
                let share = match o.get("share") {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(n)) => {
                        let v = n.as_f64().unwrap_or(f64::NAN);
                        if !(0.0..=1.0).contains(&v) {
                            return Err(format!("产品“{name}”的营收占比（share）应在 0 到 1 之间"));
                        }
                        Some(v)
                    }
                    Some(_) => return Err(format!("产品“{name}”的营收占比（share）应为数字")),
                };
                for key in o.keys() {
                    if key != "name" && key != "share" {
                        return Err(format!("产品“{name}”有未知字段“{key}”（可填 name、share）"));
                    }
                }
                Ok(Some(Product { name, share }))
            }
            other => Err(format!("产品应为文字或 {{name, share}}，而不是 {other}")),
        }
    }
}

impl Serialize for Product {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.share {
            None => s.serialize_str(&self.name),
            Some(share) => {
                use serde::ser::SerializeStruct;
                let mut st = s.serialize_struct("Product", 2)?;
                st.serialize_field("name", &self.name)?;
                st.serialize_field("share", &share)?;
                st.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Product {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Name(String),
            Full { name: String, share: Option<f64> },
        }
        Ok(match Form::deserialize(d)? {
            Form::Name(name) => Product { name, share: None },
            Form::Full { name, share } => Product { name, share },
        })
    }
}

impl schemars::JsonSchema for Product {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Product".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "a main product: its name, or {name, share} with its share of revenue in [0, 1]",
            "anyOf": [
                {"type": "string"},
                {"type": "object", "required": ["name", "share"], "additionalProperties": false,
                 "properties": {"name": {"type": "string"}, "share": {"type": "number", "minimum": 0, "maximum": 1}}}
            ]
        })
    }
}

/// How much of a firm the products at `matched` (indexes into `products`) are (SPEC §11): the sum
/// of their revenue shares; a product without a share gets an equal part of what the known
/// shares leave (so with no shares known each of n products is 1/n). In [0, 1].
pub fn share_of(products: &[Product], matched: impl IntoIterator<Item = usize>) -> f64 {
    if products.is_empty() {
        return 0.0;
    }
    let known: f64 = products.iter().filter_map(|p| p.share).sum();
    let unknown = products.iter().filter(|p| p.share.is_none()).count();
    let each_unknown = if unknown == 0 { 0.0 } else { (1.0 - known).max(0.0) / unknown as f64 };
    let total: f64 =
        matched.into_iter().filter_map(|i| products.get(i)).map(|p| p.share.unwrap_or(each_unknown)).sum();
    total.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spreadsheet_text_carries_a_share() {
        for (text, name, share) in [
            ("正极材料 62%", "正极材料", Some(0.62)),
            ("正极材料(62%)", "正极材料", Some(0.62)),
            ("正极材料（62.5％）", "正极材料", Some(0.625)),
            ("正极材料", "正极材料", None),
            ("电池(动力)", "电池(动力)", None),
        ] {
            let p = Product::parse_text(text).unwrap();
            assert_eq!(p.name, name, "{text}");
            assert_eq!(
                p.share.map(|s| (s * 1000.0).round()),
                share.map(|s: f64| (s * 1000.0).round()),
                "{text}"
            );
        }
        assert!(Product::parse_text("正极材料 120%").unwrap_err().contains("0% 到 100%"));
        assert_eq!(Product::parse_text("正极材料 x%").unwrap(), Product::named("正极材料 x%"));
    }

    #[test]
    fn json_forms_round_trip() {
        let p = Product::from_json(&json!({"name": "正极材料", "share": 0.62})).unwrap().unwrap();
        assert_eq!(serde_json::to_value(&p).unwrap(), json!({"name": "正极材料", "share": 0.62}));
        let plain = Product::from_json(&json!("隔膜")).unwrap().unwrap();
        assert_eq!(serde_json::to_value(&plain).unwrap(), json!("隔膜"));
        let back: Product = serde_json::from_value(json!({"name": "正极材料", "share": 0.62})).unwrap();
        assert_eq!(back, p);
        assert!(Product::from_json(&json!({"name": "x", "share": 1.5})).is_err());
        assert!(Product::from_json(&json!({"share": 0.5})).is_err());
        assert!(
            Product::from_json(&json!({"name": "x", "share": "62%"})).is_err(),
            "a share in JSON is a number"
        );
        assert!(Product::from_json(&json!({"name": "x", "weight": 0.5})).is_err());
    }

    #[test]
    fn shares_decide_how_much_of_the_firm_a_match_is() {
        let with = |v: &[(&str, Option<f64>)]| -> Vec<Product> {
            v.iter().map(|(n, s)| Product { name: n.to_string(), share: *s }).collect()
        };
        let firm = with(&[("住宅", Some(0.9)), ("餐饮", Some(0.009)), ("其他", None)]);
        assert!((share_of(&firm, [1]) - 0.009).abs() < 1e-9);
        // The unknown product gets what the known ones leave.
        assert!((share_of(&firm, [2]) - 0.091).abs() < 1e-9);
        let plain = with(&[("a", None), ("b", None), ("c", None), ("d", None)]);
        assert!((share_of(&plain, [0, 2]) - 0.5).abs() < 1e-9);
        assert_eq!(share_of(&with(&[("a", None)]), [0]), 1.0);
        // Shares that add up past 1 (rounding upstream) still give at most 1.
        assert_eq!(share_of(&with(&[("a", Some(0.7)), ("b", Some(0.6))]), [0, 1]), 1.0);
    }
}
