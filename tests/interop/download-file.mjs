// downloadFile: fetch one file's content (no cache) and write it to --out.
// node download-file.mjs --endpoint URL --repo ID [--type model] [--revision main] --file PATH --out FILE [--raw]
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { downloadFile } from "@huggingface/hub";
import { REPO_OPTIONS, accessToken, parseCli, print, repoDesignation, run, sha256OfFile } from "./common.mjs";

await run(async () => {
	const { values } = parseCli(
		{ ...REPO_OPTIONS, file: { type: "string" }, out: { type: "string" }, raw: { type: "boolean", default: false } },
		{ required: ["endpoint", "repo", "file", "out"] },
	);
	const blob = await downloadFile({
		repo: repoDesignation(values),
		path: values.file,
		revision: values.revision,
		hubUrl: values.endpoint,
		accessToken: accessToken(),
		raw: values.raw,
	});
	if (blob === null) {
		print({ found: false });
		return;
	}
	await pipeline(Readable.fromWeb(blob.stream()), createWriteStream(values.out));
	print({ found: true, size: blob.size, sha256: await sha256OfFile(values.out) });
});
