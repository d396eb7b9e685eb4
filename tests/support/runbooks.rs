//! Runbook texts the server-backed tests share: two connections (`src`, `dst`), Casey
//! coordinating alone, one `items` job and one step that runs it.

/// A runbook named `name` with one `[[copy]]` or `[[recon]]` (`kind`) job called `items`,
/// from `src`.`items` to `dst`.`target_table` keyed by `id`, with the job's other fields in
/// `options` (TOML lines), and one step (id `kind`) whose action runs it.
pub fn items_job(
    name: &str,
    src_url: &str,
    dst_url: &str,
    kind: &str,
    target_table: &str,
    options: &str,
) -> String {
    let title = match kind {
        "copy" => "Copy items",
        _ => "Recon items",
    };
    format!(
        r#"
[runbook]
name = "{name}"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.src]
url = "{src_url}"
[connections.dst]
url = "{dst_url}"

[[{kind}]]
name = "items"
source = "src"
source_table = "items"
target = "dst"
target_table = "{target_table}"
key = ["id"]
{options}

[[phase]]
name = "{kind}"
[[phase.step]]
id = "{kind}"
title = "{title}"
dri = "casey"
reviewer = "casey"
planned = "5m"
action = {{ {kind} = "items" }}
"#
    )
}
