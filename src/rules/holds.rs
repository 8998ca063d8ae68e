//! "The caller holds the token": may a holder be handed a token's secret?
//!
//! A rotation (tokenkit's own API) or a reset (LaunchDarkly's) hands the caller the token's new
//! secret, which carries the token's scope and expiry. So the caller must be able to issue that
//! token itself: its scope covers the token's ([`crate::scope::covers_explain`]) and the token
//! does not outlive it ([`crate::lifetime::check_outlives`]). A token may always rotate itself.

use serde::Deserialize;
use serde_json::Value;

use super::conditions::{self, Conditions, Form};
use super::RuleError;
use crate::scope::{covers_explain, Scope};

/// One side of the question: a token's account, id, scope (tagged JSON) and expiry (epoch ms,
/// `None` = never).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// The token's account; `None` when the host compares within one account already.
    #[serde(default)]
    pub account: Option<String>,
    /// The token's id.
    pub id: String,
    /// The token's scope (tagged JSON).
    pub scope: Value,
    /// The token's expiry in epoch ms; `None` for never.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The token's conditions of use in their stored form ([`super::conditions`]); `None` when
    /// the host does not compare them (then they are not checked).
    #[serde(default)]
    pub conditions: Option<Value>,
}

/// Does `holder` hold `token`? `Ok(())`, or a 403 with the code the service answers:
/// `scope_not_covered` (the token's scope is broader than the holder's, or either scope is not
/// valid) or `outlives_issuer` (the token expires later than the holder, or never while the
/// holder does).
///
/// The same token (same id, and same account when both name one) always holds itself.
pub fn holds(holder: &Party, token: &Party) -> Result<(), RuleError> {
    let same_account = match (&holder.account, &token.account) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if same_account && holder.id == token.id {
        return Ok(());
    }
    let not_covered = |why: String| RuleError::new(403, "scope_not_covered", format!("its new secret would be broader than the caller's token: {why}"));
    let parent = Scope::from_json(&holder.scope).map_err(|e| not_covered(format!("the calling token's scope is not valid: {e}")))?;
    let child = Scope::from_json(&token.scope).map_err(|e| not_covered(format!("the token's scope is not valid: {e}")))?;
    covers_explain(&parent, &child).map_err(not_covered)?;
    match (token.expires_at, holder.expires_at) {
        (_, None) => {}
        (Some(t), Some(h)) if t <= h => {}
        _ => return Err(RuleError::new(403, "outlives_issuer", "its new secret would outlive the caller's token")),
    }
    // Nor may its conditions of use be laxer than the holder's: a fenced caller rotating an
    // unfenced token would get an unfenced secret.
    if let (Some(h), Some(t)) = (&holder.conditions, &token.conditions) {
        let read = |v: &Value, whose: &str| match v {
            Value::Null => Ok(Conditions::default()),
            Value::Object(m) => Conditions::parse(m, Form::Stored).map_err(|e| RuleError::new(403, "conditions_not_covered", format!("{whose} conditions are not valid: {e}"))),
            _ => Err(RuleError::new(403, "conditions_not_covered", format!("{whose} conditions are not valid"))),
        };
        let (h, t) = (read(h, "the calling token's")?, read(t, "the token's")?);
        conditions::cover(&h, &t).map_err(|e| RuleError::new(403, "conditions_not_covered", format!("its new secret would be laxer than the caller's token: {}", e.message)))?;
    }
    Ok(())
}

/// The scope a holder of `holder_scope` may grant when it asks for `requested`: validated and
/// normalised (422 with the scope error's code, on `scope` or `scope.<field>`), and covered by
/// the holder's (403 `scope_not_covered` on `scope`). A missing scope (`None`, `null`) is 422
/// `invalid_field`.
pub fn grant(holder_scope: &Value, requested: Option<&Value>) -> Result<Scope, RuleError> {
    let requested = requested.filter(|v| !v.is_null()).ok_or_else(|| RuleError::on(422, "invalid_field", "scope", "scope is required"))?;
    let child = Scope::from_json(requested).map_err(|e| {
        let field = e.field().map_or_else(|| "scope".to_string(), |f| format!("scope.{f}"));
        RuleError::on(422, e.code(), field, e.to_string())
    })?;
    let parent = Scope::from_json(holder_scope).map_err(|e| RuleError::on(403, "scope_not_covered", "scope", format!("the calling token's scope is not valid: {e}")))?;
    covers_explain(&parent, &child).map_err(|why| RuleError::on(403, "scope_not_covered", "scope", format!("the new scope is broader than the caller's: {why}")))?;
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn party(id: &str, scope: Value, exp: Option<i64>) -> Party {
        Party { account: Some("acc".into()), id: id.into(), scope, expires_at: exp, conditions: None }
    }

    #[test]
    fn conditions_are_held_too() {
        let owner = json!({"language": "policy", "role": "owner"});
        let fenced = json!({"notBefore": null, "allowedIps": ["10.0.0.0/8"], "remaining": null, "refill": null, "rateLimit": null});
        let open = json!({"notBefore": null, "allowedIps": null, "remaining": null, "refill": null, "rateLimit": null});
        let with = |id: &str, c: &Value| Party { conditions: Some(c.clone()), ..party(id, owner.clone(), None) };
        assert_eq!(holds(&with("a", &fenced), &with("b", &open)).unwrap_err().code, "conditions_not_covered");
        assert_eq!(holds(&with("a", &open), &with("b", &fenced)), Ok(()));
        assert_eq!(holds(&with("a", &fenced), &with("b", &fenced)), Ok(()));
        // itself, whatever it is under
        assert_eq!(holds(&with("a", &fenced), &with("a", &open)), Ok(()));
        // not given: not compared
        assert_eq!(holds(&with("a", &fenced), &party("b", owner.clone(), None)), Ok(()));
        assert_eq!(holds(&with("a", &json!(5)), &with("b", &open)).unwrap_err().code, "conditions_not_covered");
    }

    #[test]
    fn holds_table() {
        let owner = json!({"language": "policy", "role": "owner"});
        let reader = json!({"language": "policy", "role": "reader"});
        let writer = json!({"language": "policy", "role": "writer"});
        let cases: &[(Party, Party, Result<(), &str>)] = &[
            // itself, whatever it holds
            (party("a", reader.clone(), Some(10)), party("a", owner.clone(), None), Ok(())),
            // broader scope
            (party("a", reader.clone(), None), party("b", writer.clone(), None), Err("scope_not_covered")),
            (party("a", writer.clone(), None), party("b", reader.clone(), None), Ok(())),
            // lifetimes: never-expiring holder holds anything; an expiring one not a longer token
            (party("a", owner.clone(), Some(10)), party("b", reader.clone(), None), Err("outlives_issuer")),
            (party("a", owner.clone(), Some(10)), party("b", reader.clone(), Some(11)), Err("outlives_issuer")),
            (party("a", owner.clone(), Some(10)), party("b", reader.clone(), Some(10)), Ok(())),
            (party("a", owner.clone(), None), party("b", owner.clone(), None), Ok(())),
            // an invalid scope on either side is not covered
            (party("a", json!({"language": "nope"}), None), party("b", reader.clone(), None), Err("scope_not_covered")),
            (party("a", owner.clone(), None), party("b", json!({"language": "policy", "role": "god"}), None), Err("scope_not_covered")),
        ];
        for (h, t, want) in cases {
            let got = holds(h, t);
            match want {
                Ok(()) => assert_eq!(got, Ok(()), "{h:?} {t:?}"),
                Err(code) => {
                    let e = got.unwrap_err();
                    assert_eq!((e.status, e.code), (403, *code), "{h:?} {t:?}");
                }
            }
        }
    }

    #[test]
    fn grant_table() {
        let writer = json!({"language": "policy", "role": "writer"});
        assert_eq!(grant(&writer, Some(&json!({"language": "policy", "role": "reader"}))).unwrap().to_json()["role"], "reader");
        let cases: &[(Option<Value>, u16, &str, &str)] = &[
            (None, 422, "invalid_field", "scope"),
            (Some(Value::Null), 422, "invalid_field", "scope"),
            (Some(json!({"language": "policy", "role": "owner"})), 403, "scope_not_covered", "scope"),
            (Some(json!({"language": "klingon"})), 422, "unknown_scope_language", "scope.language"),
            (Some(json!({"language": "policy", "inlineRole": [{"effect": "maybe"}]})), 422, "invalid_scope", "scope.inlineRole[0].effect"),
        ];
        for (req, status, code, field) in cases {
            let e = grant(&writer, req.as_ref()).unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (*status, *code, Some(*field)), "{req:?}");
        }
    }

    #[test]
    fn same_id_in_another_account_is_not_itself() {
        let reader = json!({"language": "policy", "role": "reader"});
        let writer = json!({"language": "policy", "role": "writer"});
        let h = Party { account: Some("a1".into()), ..party("x", reader, None) };
        let t = Party { account: Some("a2".into()), ..party("x", writer, None) };
        assert_eq!(holds(&h, &t).unwrap_err().code, "scope_not_covered");
        let t_no_account = Party { account: None, ..t };
        assert_eq!(holds(&h, &t_no_account), Ok(()));
    }
}
