# HubDepsOffline: which offline switch is on, for the messages of
# HubDeps.cmake (configure time) and HubDepsDefer.cmake (the build step,
# which runs in script mode, cmake -P, where HubDeps.cmake is not loaded).
# Both include this file from their own folder.

include_guard(GLOBAL)

# How to go online again, naming the switch that is on: `offline` (the
# HUBDEPS_OFFLINE the configure had), the environment's HF_HUB_OFFLINE (true
# as the Hub clients read it), or both; empty when online. `where` names the
# environment for the advice: "the environment", "the build's environment".
function(_hubdeps_offline_switches out offline where)
  set(switches "")
  if(offline)
    list(APPEND switches "configure with -DHUBDEPS_OFFLINE=OFF")
  endif()
  if("$ENV{HF_HUB_OFFLINE}" MATCHES "^(1|[Oo][Nn]|[Tt][Rr][Uu][Ee]|[Yy][Ee][Ss])$")
    list(APPEND switches "unset HF_HUB_OFFLINE in ${where}")
  endif()
  list(JOIN switches " and " switches)
  set(${out} "${switches}" PARENT_SCOPE)
endfunction()
