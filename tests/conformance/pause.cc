// The pause image's stand-in: PID 1 of a pod that shares its PID namespace. It waits for
// signals, reaps every orphan re-parented to it (an exec killed on timeout must not linger
// as a zombie) and exits on SIGTERM or SIGINT.
#include <signal.h>
#include <sys/wait.h>

#include <initializer_list>

int main() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGCHLD, SIGTERM, SIGINT}) sigaddset(&signals, signal);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  for (;;) {
    int received = 0;
    sigwait(&signals, &received);
    if (received != SIGCHLD) return 0;
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
}
