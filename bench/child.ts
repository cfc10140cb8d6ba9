import { fork } from 'node:child_process';

/** Runs a bundled child (poll-child, fleet-child) with this environment and returns what it sends back. */
export function runChild<T>(childPath: string, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    // execArgv [] keeps tsx's loader out of the child: it runs the plain bundle, as Lambda would.
    const child = fork(childPath, [], { execArgv: [], env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let reply: { ok: true; result: T } | { ok: false; error: string } | undefined;
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message) => (reply = message as typeof reply));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (reply?.ok) resolve(reply.result);
      else reject(new Error(`measured run failed (exit ${code}): ${reply ? reply.error : stderr}`));
    });
  });
}
