// downloadFileToCacheDir: the JS client's cache-aware download into an HF cache folder.
// node download-to-cache.mjs --endpoint URL --repo ID [--type model] [--revision main] --file PATH --cache-dir DIR
import { lstat, readlink, realpath } from "node:fs/promises";
import { downloadFileToCacheDir } from "@huggingface/hub";
import { REPO_OPTIONS, accessToken, parseCli, print, repoDesignation, run, sha256OfFile } from "./common.mjs";

await run(async () => {
	const { values } = parseCli(
		{ ...REPO_OPTIONS, file: { type: "string" }, "cache-dir": { type: "string" } },
		{ required: ["endpoint", "repo", "file", "cache-dir"] },
	);
	const pointer = await downloadFileToCacheDir({
		repo: repoDesignation(values),
		path: values.file,
		revision: values.revision,
		hubUrl: values.endpoint,
		cacheDir: values["cache-dir"],
		accessToken: accessToken(),
	});
	const isLink = (await lstat(pointer)).isSymbolicLink();
	const blob = await realpath(pointer);
	print({
		pointer,
		link: isLink ? await readlink(pointer) : null,
		blob,
		size: (await lstat(blob)).size,
		sha256: await sha256OfFile(blob),
	});
});
