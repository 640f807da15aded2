// Shared by the interop scripts: argument parsing, the token from the environment, JSON output.
// Each script prints one JSON object on stdout and exits 0, or prints the error on stderr and exits 1,
// so tests (and people) can drive the official JS client from any language.
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

// The client logs progress with console.debug/info, which would land in the JSON on stdout.
console.debug = console.info = console.log = (...args) => console.error(...args);

export const REPO_OPTIONS = {
	endpoint: { type: "string" },
	repo: { type: "string" },
	type: { type: "string", default: "model" },
	revision: { type: "string", default: "main" },
};

export function parseCli(options, { positionals = false, required = [] } = {}) {
	const { values, positionals: rest } = parseArgs({ options, allowPositionals: positionals, strict: true });
	const missing = required.filter((name) => values[name] === undefined);
	if (missing.length > 0) {
		fail(`missing option(s): ${missing.map((name) => `--${name}`).join(", ")}`);
	}
	return { values, rest };
}

export function repoDesignation(values) {
	if (!["model", "dataset", "space"].includes(values.type)) {
		fail(`--type must be model, dataset or space, not ${values.type}`);
	}
	return { type: values.type, name: values.repo };
}

// The token comes from HF_TOKEN only, never from the command line where `ps` would show it.
export function accessToken() {
	return process.env.HF_TOKEN || undefined;
}

export async function sha256OfFile(path) {
	const hash = createHash("sha256");
	for await (const chunk of createReadStream(path)) {
		hash.update(chunk);
	}
	return hash.digest("hex");
}

export function print(result) {
	process.stdout.write(JSON.stringify(result, null, 1) + "\n");
}

export function fail(message) {
	process.stderr.write(`interop: ${message}\n`);
	process.exit(1);
}

export async function run(main) {
	try {
		await main();
	} catch (err) {
		fail(`${err?.name ?? "Error"}: ${err?.message ?? err}${err?.statusCode ? ` (HTTP ${err.statusCode})` : ""}`);
	}
}
