//! `kling sandbox`: the sandbox server in the foreground, with `kling-sandbox`'s own flags.

use kling_sandbox::SandboxArgs;

use crate::fail::Fail;

/// Serves until interrupted.
pub async fn run(args: &SandboxArgs) -> Result<(), Fail> {
    args.run()
        .await
        .map_err(|e| Fail::other("sandbox", e.to_string()))
}
