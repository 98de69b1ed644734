package org.hybridstore.testkit;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.WaitAllStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * An etcd member as a Testcontainers container of an etcd image, on the host's network (so its URLs
 * are the same as a local process's) with its data directory and TLS files mounted at their host
 * paths. {@link #kill()} SIGKILLs and removes the container; {@link #start()} makes a new one on
 * the same data directory, which etcd takes as a restart of the same member. {@link #pause()}
 * freezes it through Docker's pause (the cgroup freezer), which clients see as SIGSTOP.
 *
 * <p>Not exercised on machines without a Docker engine, which is every machine this project is
 * developed and tested on so far; {@link EtcdRuntime} falls back to {@link EtcdProcess} there.
 * Thread-safe.
 */
public final class EtcdContainer extends AbstractEtcdNode {

  private final DockerImageName image;
  private final EtcdCommand etcd;
  private @Nullable GenericContainer<?> container;
  private long lastPid = -1;
  private boolean paused;

  /**
   * A member not yet started.
   *
   * @param image the etcd image, for example {@code gcr.io/etcd-development/etcd:v3.5.21}; its
   *     binary must be {@code /usr/local/bin/etcd}
   * @param etcd the member's flags
   * @param logFile where its output is appended
   */
  public EtcdContainer(String image, EtcdCommand etcd, Path logFile) {
    super(etcd.name(), logFile);
    this.image = DockerImageName.parse(image);
    this.etcd = etcd;
  }

  @Override
  public void start() {
    lock.lock();
    try {
      if (container != null && container.isRunning()) {
        throw new IllegalStateException("etcd " + name + " is already running");
      }
      Files.createDirectories(etcd.dataDir());
      List<String> cmd = new ArrayList<>(List.of("/usr/local/bin/etcd"));
      cmd.addAll(etcd.args());
      markStart(" in " + image, cmd);
      GenericContainer<?> c =
          new GenericContainer<>(image)
              .withNetworkMode("host")
              .withCommand(cmd.toArray(String[]::new))
              .waitingFor(new WaitAllStrategy())
              .withLogConsumer(frame -> append(frame.getUtf8String()));
      for (Path p : etcd.paths()) {
        c.withFileSystemBind(p.toString(), p.toString(), BindMode.READ_WRITE);
      }
      c.start();
      container = c;
      InspectContainerResponse info = c.getContainerInfo();
      Long pid = info == null ? null : info.getState().getPidLong();
      lastPid = pid == null ? -1 : pid;
      paused = false;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start etcd " + name + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  private void append(String text) {
    try {
      LogFiles.append(logFile, text);
    } catch (IOException e) {
      // a lost log line is not worth failing the member for
    }
  }

  @Override
  public void kill() {
    lock.lock();
    try {
      GenericContainer<?> c = container;
      if (c != null) {
        c.stop(); // SIGKILL, then remove; the data directory stays on the host
      }
      container = null;
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void pause() {
    lock.lock();
    try {
      GenericContainer<?> c = container;
      if (c == null || !c.isRunning()) {
        throw new IllegalStateException("etcd " + name + " is not running");
      }
      c.getDockerClient().pauseContainerCmd(c.getContainerId()).exec();
      paused = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void resume() {
    lock.lock();
    try {
      GenericContainer<?> c = container;
      if (c != null && paused) {
        c.getDockerClient().unpauseContainerCmd(c.getContainerId()).exec();
      }
      paused = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isRunning() {
    lock.lock();
    try {
      return container != null && container.isRunning();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isPaused() {
    lock.lock();
    try {
      return paused && container != null;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long pid() {
    lock.lock();
    try {
      return lastPid;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public @Nullable Integer exitCode() {
    lock.lock();
    try {
      GenericContainer<?> c = container;
      if (c == null) {
        return lastPid < 0 ? null : 137; // killed by kill(): SIGKILL
      }
      if (c.isRunning()) {
        return null;
      }
      Long code = c.getCurrentContainerInfo().getState().getExitCodeLong();
      return code == null ? null : code.intValue();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "etcd " + name + " (container " + image + ", " + (isRunning() ? "up" : "down") + ")";
  }
}
