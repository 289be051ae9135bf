//! A GraphQL request sent by GET: its parameters in the URL's query
//! string, `variables` and `extensions` as JSON text (GraphQL over HTTP).

use async_graphql::{Request, Variables};

/// The request in `query_string`, or why it is none.
pub fn parse(query_string: &str) -> Result<Request, String> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    for (name, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
        let slot = match name.as_ref() {
            "query" => &mut query,
            "operationName" => &mut operation_name,
            "variables" => &mut variables,
            // Extensions are accepted and, like async-graphql, not used.
            "extensions" => {
                json_object(&value, "extensions")?;
                continue;
            }
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(format!("the parameter `{name}` is given more than once"));
        }
    }
    let Some(query) = query.filter(|query| !query.trim().is_empty()) else {
        return Err("GET /graphql takes the document in the `query` parameter".to_owned());
    };
    let mut request = Request::new(query);
    if let Some(name) = operation_name.filter(|name| !name.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = variables.filter(|text| !text.is_empty()) {
        let value = json_object(&variables, "variables")?;
        request = request.variables(Variables::from_json(value));
    }
    Ok(request)
}

/// `text` as a JSON object (or null), or why it is not one.
fn json_object(text: &str, name: &str) -> Result<serde_json::Value, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value @ (serde_json::Value::Object(_) | serde_json::Value::Null)) => Ok(value),
        Ok(_) => Err(format!("the parameter `{name}` must be a JSON object")),
        Err(err) => Err(format!("the parameter `{name}` is not JSON: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parameters_of_the_specification() {
        let request = parse(
            "query=query%20Q(%24id%3A%20ID!)%7B%20artist(id%3A%24id)%7Bname%7D%7D&operationName=Q&variables=%7B%22id%22%3A%221%22%7D",
        );
        let Ok(request) = request else {
            panic!("{request:?}");
        };
        assert_eq!(request.query, "query Q($id: ID!){ artist(id:$id){name}}");
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(
            request.variables.into_value().into_json().ok(),
            Some(serde_json::json!({ "id": "1" }))
        );
    }

    #[test]
    fn refuses_what_is_no_request() {
        let message = |query: &str| parse(query).err().unwrap_or_default();
        assert!(message("").contains("`query`"));
        assert!(message("query=%20").contains("`query`"));
        assert!(message("query=%7Ba%7D&query=%7Bb%7D").contains("more than once"));
        assert!(message("query=%7Ba%7D&variables=%5B1%5D").contains("JSON object"));
        assert!(message("query=%7Ba%7D&variables=%7B").contains("not JSON"));
        assert!(message("query=%7Ba%7D&extensions=2").contains("JSON object"));
        assert!(parse("query=%7Ba%7D&variables=&operationName=").is_ok());
    }
}
