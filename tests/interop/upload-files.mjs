// uploadFiles: one commit of local files (LFS decided by the Hub's preupload answer).
// node upload-files.mjs --endpoint URL --repo ID [--type model] [--branch main] [--pr] [--create]
//                       [--message TEXT] LOCAL_FILE=PATH_IN_REPO ...
import { openAsBlob } from "node:fs";
import { createRepo, uploadFiles } from "@huggingface/hub";
import { REPO_OPTIONS, accessToken, fail, parseCli, print, repoDesignation, run } from "./common.mjs";

await run(async () => {
	const { values, rest } = parseCli(
		{
			endpoint: REPO_OPTIONS.endpoint,
			repo: REPO_OPTIONS.repo,
			type: REPO_OPTIONS.type,
			branch: { type: "string", default: "main" },
			pr: { type: "boolean", default: false },
			create: { type: "boolean", default: false },
			message: { type: "string" },
		},
		{ positionals: true, required: ["endpoint", "repo"] },
	);
	if (rest.length === 0) {
		fail("give at least one LOCAL_FILE=PATH_IN_REPO");
	}
	const repo = repoDesignation(values);
	if (values.create) {
		await createRepo({ repo, hubUrl: values.endpoint, accessToken: accessToken() });
	}
	const files = await Promise.all(
		rest.map(async (pair) => {
			const at = pair.indexOf("=");
			if (at <= 0) {
				fail(`expected LOCAL_FILE=PATH_IN_REPO, got ${pair}`);
			}
			// openAsBlob reads lazily: large files are hashed and sent without being loaded whole.
			return { path: pair.slice(at + 1), content: await openAsBlob(pair.slice(0, at)) };
		}),
	);
	const output = await uploadFiles({
		repo,
		files,
		hubUrl: values.endpoint,
		accessToken: accessToken(),
		branch: values.branch,
		isPullRequest: values.pr,
		commitTitle: values.message,
	});
	print({ commit: output?.commit.oid, url: output?.commit.url, pullRequestUrl: output?.pullRequestUrl ?? null });
});
