//! The official MCP Python SDK as a test client (`tests/mcp/client.py`, the `mcp` package
//! that infra/test installs into the virtualenv).

use serde_json::Value;

/// What a run of the client printed, or its error output when the connection failed.
pub async fn run(plan: &Value) -> Result<Value, String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mcp/client.py");
    let plan = plan.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::venv_bin("python"))
            .arg(script)
            .arg(plan)
            .output()
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot start the MCP client (is the virtualenv there?): {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "the MCP client printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
