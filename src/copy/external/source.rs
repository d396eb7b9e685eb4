//! Where an external job's progress is read: a SQL query (its checkpoint or state
//! table), two Prometheus series, or a command's JSON. Each reading is rows done, the
//! total when known, and the status the job reports when it reports one.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

use crate::db::rows::fetch_text;
use crate::db::DbPool;

/// One look at the job.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub done: u64,
    pub total: Option<u64>,
    pub status: Option<String>,
}

/// How long one reading may take (a query, an HTTP call, a command).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A connected source of progress.
pub enum ProgressReader {
    /// One row: done, then optionally total and status, by position.
    Sql { pool: DbPool, query: String },
    /// Instant queries on `url` (expanded): rows done, and rows in all.
    Prometheus {
        client: reqwest::Client,
        url: String,
        done: String,
        total: Option<String>,
    },
    /// `sh -c command`; its output's last JSON object line has `done`, `total`, `status`.
    Command { command: String, allowed: bool },
}

impl ProgressReader {
    /// A Prometheus reader for `url` (with `${VAR}` read from the environment).
    pub fn prometheus(
        url: &str,
        done: &str,
        total: Option<&str>,
    ) -> Result<ProgressReader, String> {
        let url = expand_env(url)?;
        let client = reqwest::Client::builder()
            .timeout(READ_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(ProgressReader::Prometheus {
            client,
            url,
            done: done.to_string(),
            total: total.map(str::to_string),
        })
    }

    /// Reads the job's progress once; the error says what failed, in words.
    pub async fn read(&self) -> Result<Reading, String> {
        match self {
            ProgressReader::Sql { pool, query } => read_sql(pool, query).await,
            ProgressReader::Prometheus {
                client,
                url,
                done,
                total,
            } => {
                let d = instant(client, url, done).await?;
                let t = match total {
                    Some(q) => Some(instant(client, url, q).await?),
                    None => None,
                };
                Ok(Reading {
                    done: rows(d),
                    total: t.map(rows),
                    status: None,
                })
            }
            ProgressReader::Command { command, allowed } => {
                if !*allowed {
                    return Err(format!(
                        "progress comes from the command `{command}`, and commands run only \
                         when the console was started with --allow-shell"
                    ));
                }
                read_command(command).await
            }
        }
    }
}

/// A progress figure is shown, never copied: negative clamps to 0, a fraction is dropped.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn rows(f: f64) -> u64 {
    if f.is_finite() {
        f.max(0.0) as u64
    } else {
        0
    }
}

fn number(text: &str) -> Option<u64> {
    text.trim().parse::<f64>().ok().map(rows)
}

async fn read_sql(pool: &DbPool, query: &str) -> Result<Reading, String> {
    let answer = tokio::time::timeout(READ_TIMEOUT, fetch_text(pool, query))
        .await
        .map_err(|_| format!("progress query: no answer in {}s", READ_TIMEOUT.as_secs()))?
        .map_err(|e| format!("progress query: {e}"))?;
    let row = answer.into_iter().next().ok_or_else(|| {
        "progress query returned no row (is the job's checkpoint table written yet?)".to_string()
    })?;
    let cell = |i: usize| row.get(i).cloned().flatten();
    let done = match cell(0) {
        None => 0,
        Some(text) => number(&text).ok_or_else(|| {
            format!("progress query: the first column (rows done) is `{text}`, not a number")
        })?,
    };
    let total = match cell(1) {
        None => None,
        Some(text) => Some(number(&text).ok_or_else(|| {
            format!("progress query: the second column (rows in all) is `{text}`, not a number")
        })?),
    };
    Ok(Reading {
        done,
        total,
        status: cell(2).map(|s| s.trim().to_string()),
    })
}

/// One instant query; the sum of the series it returns (none: 0, the job has not begun).
async fn instant(client: &reqwest::Client, url: &str, query: &str) -> Result<f64, String> {
    let endpoint = format!("{}/api/v1/query", url.trim_end_matches('/'));
    let response = client
        .get(&endpoint)
        .query(&[("query", query)])
        .send()
        .await
        .map_err(|e| format!("Prometheus at {url}: {e}"))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| format!("Prometheus at {url}: {e}"))?;
    parse_instant(status.is_success(), &body).map_err(|e| format!("Prometheus `{query}`: {e}"))
}

/// Reads an `/api/v1/query` answer into one number.
fn parse_instant(ok: bool, body: &str) -> Result<f64, String> {
    let json: Value = serde_json::from_str(body).map_err(|_| {
        let head: String = body.chars().take(120).collect();
        format!("not a Prometheus answer: {head}")
    })?;
    if json["status"] == "error" || !ok {
        let message = json["error"].as_str().unwrap_or("no message");
        return Err(format!("refused: {message}"));
    }
    let data = &json["data"];
    let value = |pair: &Value| -> Result<f64, String> {
        pair.get(1)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| "a sample is not [time, \"number\"]".to_string())
    };
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or_else(|| "`data.result` is not a list".to_string())?
            .iter()
            .map(|s| value(&s["value"]))
            .sum(),
        Some("scalar") => value(&data["result"]),
        Some(other) => Err(format!(
            "the query returns a {other}: write an instant query that gives a number"
        )),
        None => Err("no `data.resultType`".to_string()),
    }
}

async fn read_command(command: &str) -> Result<Reading, String> {
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(READ_TIMEOUT, child)
        .await
        .map_err(|_| format!("`{command}` gave no answer in {}s", READ_TIMEOUT.as_secs()))?
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail = err.trim().lines().last().unwrap_or_default().to_string();
        return Err(format!("`{command}` failed ({}): {tail}", out.status));
    }
    parse_json(&String::from_utf8_lossy(&out.stdout)).map_err(|e| format!("`{command}`: {e}"))
}

/// The last line of the output that is a JSON object: `{"done": 1200, "total": 5000,
/// "status": "RUNNING"}` (numbers may be written as strings).
fn parse_json(stdout: &str) -> Result<Reading, String> {
    let object = stdout
        .lines()
        .rev()
        .find_map(|l| {
            serde_json::from_str::<Value>(l.trim())
                .ok()
                .filter(Value::is_object)
        })
        .or_else(|| {
            serde_json::from_str::<Value>(stdout.trim())
                .ok()
                .filter(Value::is_object)
        })
        .ok_or_else(|| "printed no JSON object (want {\"done\": N, \"total\": N})".to_string())?;
    let field = |name: &str| -> Result<Option<u64>, String> {
        match &object[name] {
            Value::Null => Ok(None),
            Value::Number(n) => Ok(n.as_f64().map(rows)),
            Value::String(s) => number(s)
                .map(Some)
                .ok_or_else(|| format!("`{name}` is \"{s}\", not a number")),
            other => Err(format!("`{name}` is {other}, not a number")),
        }
    };
    let done = field("done")?.ok_or_else(|| "the JSON has no `done`".to_string())?;
    let status = match &object["status"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    Ok(Reading {
        done,
        total: field("total")?,
        status,
    })
}

/// `${VAR}` from the environment, naming a variable that is not set.
fn expand_env(template: &str) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed `${{` in `{template}`"))?;
        let var = &after[..end];
        let value =
            std::env::var(var).map_err(|_| format!("${{{var}}} is not set: export {var} first"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_output_reads_its_last_object_line_and_numbers_as_strings() {
        let r = parse_json("starting\n{\"done\": 10}\n{\"done\": \"1200\", \"total\": 5000, \"status\": \"RUNNING\"}\n")
            .unwrap();
        assert_eq!(
            r,
            Reading {
                done: 1200,
                total: Some(5000),
                status: Some("RUNNING".into())
            }
        );
        assert!(parse_json("{\"total\": 3}")
            .unwrap_err()
            .contains("no `done`"));
        assert!(parse_json("done=3").unwrap_err().contains("no JSON object"));
        assert!(parse_json("{\"done\": \"many\"}")
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn prometheus_answers_sum_their_series_and_name_errors() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"a":"1"},"value":[1,"40"]},{"metric":{"a":"2"},"value":[1,"2.5"]}]}}"#;
        assert!((parse_instant(true, body).unwrap() - 42.5).abs() < 1e-9);
        let none = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(parse_instant(true, none).unwrap().abs() < 1e-9);
        let bad = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert!(parse_instant(false, bad)
            .unwrap_err()
            .contains("parse error"));
    }
}
