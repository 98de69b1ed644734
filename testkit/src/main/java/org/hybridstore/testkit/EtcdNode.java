package org.hybridstore.testkit;

import java.nio.file.Path;

/**
 * One etcd member of a test or chaos cluster, on the same flags for its whole life so that {@link
 * #restart()} after {@link #kill()} brings back the same member. Made by {@link EtcdRuntime}: a
 * local process or a container. Implementations are thread-safe.
 */
public interface EtcdNode {

  /**
   * The member's name.
   *
   * @return the name from its {@link EtcdCommand}
   */
  String name();

  /**
   * The file its output goes to, appended across restarts, with a marker line at every start.
   *
   * @return the log file
   */
  Path logFile();

  /**
   * Starts the member.
   *
   * @throws IllegalStateException if it runs already or cannot be started
   */
  void start();

  /** SIGKILLs the member and waits until it is gone; nothing if it does not run. */
  void kill();

  /** Kills the member if it runs, then starts it again on the same data directory and ports. */
  void restart();

  /**
   * Freezes the member (SIGSTOP): it keeps its sockets and answers nothing. Returns once it is
   * frozen.
   *
   * @throws IllegalStateException if it does not run
   */
  void pause();

  /** Unfreezes the member (SIGCONT) and returns once it runs; nothing if it does not run. */
  void resume();

  /**
   * Whether the member exists, paused or not.
   *
   * @return true if running
   */
  boolean isRunning();

  /**
   * Whether the member is frozen by {@link #pause()}.
   *
   * @return true between pause and resume
   */
  boolean isPaused();

  /**
   * The process id of the latest start, as the host sees it.
   *
   * @return the pid, or -1 if never started
   */
  long pid();

  /**
   * The exit code once the member has exited by itself or was killed.
   *
   * @return the code, or null while it runs or before the first start
   */
  @org.jspecify.annotations.Nullable
  Integer exitCode();

  /**
   * The last lines of the log, for error messages.
   *
   * @param lines how many
   * @return the lines joined by newlines, or a note why there are none
   */
  String logTail(int lines);
}
