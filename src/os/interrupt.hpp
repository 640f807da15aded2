// What a command says when the user stops it (Ctrl-C, a TERM signal from CI)
// before the process ends as the signal asks. Without it a stopped download
// ends in silence, and the user cannot know that running it again resumes.
#pragma once

namespace hubdeps::os {

// From now on SIGINT and SIGTERM print `message` (kept by the caller: a
// string literal) to standard error, then end the process as the signal
// would have. Only async-signal-safe calls run in the handler.
void say_on_interrupt(const char* message);

}  // namespace hubdeps::os
