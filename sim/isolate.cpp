#include "sim/isolate.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "workloads/errors.h"
#include "workloads/nir_reader.h"

namespace nmsim {
namespace {

void write_all(int fd, const std::string& s) {
  for (size_t off = 0; off < s.size();) {
    const ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Child: read the file, report, and leave without running any exit handler
// (the parent's buffers and atexit work belong to the parent).
[[noreturn]] void child(const std::string& path, const NirReadOptions& options, int fd) {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);  // a library crash leaves no core file behind
  // A crash inside the library ends the child by its signal, also in a
  // sanitized build (whose handlers would otherwise turn it into a report and
  // exit status 1); sanitizer reports on nmsim's own code are unaffected.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, SIG_DFL);
  int code = 0;
  try {
    if (const char* hook = std::getenv("NMSIM_TEST_CRASH_IN_READER"); hook && hook[0] == '1')
      raise(SIGSEGV);
    (void)read_nir(path, options);
  } catch (const InputError& e) {
    write_all(fd, e.what());
    code = 2;
  } catch (const std::exception& e) {
    write_all(fd, e.what());
    code = 3;
  }
  close(fd);
  _exit(code);
}

}  // namespace

Network read_nir_isolated(const std::string& path, const NirReadOptions& options) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed: " + std::string(std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    child(path, options, fds[1]);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
  }
  if (WIFSIGNALED(status))
    throw InputError(path + ": file is corrupt (the HDF5 library crashed reading it: signal " +
                     std::to_string(WTERMSIG(status)) + ")");
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) throw InputError(msg);
  if (code == 3) throw std::runtime_error(msg);
  if (code != 0)
    throw InputError(path + ": file is corrupt (reading it stopped the reader: exit status " +
                     std::to_string(code) + ")");
  return read_nir(path, options);
}

}  // namespace nmsim
