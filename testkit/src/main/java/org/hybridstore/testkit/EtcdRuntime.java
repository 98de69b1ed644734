package org.hybridstore.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.testcontainers.DockerClientFactory;

/**
 * Where etcd members run: a local process of the {@code etcd} binary, or a container of an etcd
 * image when a Docker engine answers. Chosen once per cluster by {@link #choose}: the system
 * property {@value #PROPERTY} says {@code process}, {@code container} or {@code auto} (the default:
 * a container if Docker answers and the cluster needs no network namespaces, a process otherwise).
 * Clusters in network namespaces always run processes: a container cannot be put into a namespace
 * this fixture made.
 *
 * <p>No machine this project is built on has a Docker engine, so {@link #CONTAINER} compiles and
 * its selection is unit-tested, but it has never run here (docs/architecture.md, "Test kit").
 */
public enum EtcdRuntime {
  /** A child process of the local binary ({@link EtcdProcess}). */
  PROCESS,
  /** A Testcontainers container of {@link #image()} ({@link EtcdContainer}). */
  CONTAINER;

  /** The system property that chooses: {@code process}, {@code container} or {@code auto}. */
  public static final String PROPERTY = "hybridstore.etcd.runtime";

  /** The system property that names the image for {@link #CONTAINER}. */
  public static final String IMAGE_PROPERTY = "hybridstore.etcd.image";

  /** The image used when {@value #IMAGE_PROPERTY} is not set. */
  public static final String DEFAULT_IMAGE = "gcr.io/etcd-development/etcd:v3.5.21";

  /**
   * Chooses from the system property and the machine.
   *
   * @param needsNamespaces whether the cluster runs its members in network namespaces
   * @return the runtime
   * @throws IllegalArgumentException if the property has an unknown value, or asks for containers
   *     in namespaces
   * @throws IllegalStateException if it asks for containers and no Docker engine answers
   */
  public static EtcdRuntime fromEnvironment(boolean needsNamespaces) {
    return choose(
        System.getProperty(PROPERTY, "auto"), needsNamespaces, EtcdRuntime::dockerAnswers);
  }

  /**
   * The selection rule, pure but for asking {@code dockerAnswers} (only when the answer matters).
   *
   * @param setting {@code process}, {@code container} or {@code auto}, in any case
   * @param needsNamespaces whether the cluster runs its members in network namespaces
   * @param dockerAnswers whether a Docker engine answers on this machine
   * @return the runtime
   * @throws IllegalArgumentException if {@code setting} is unknown, or asks for containers in
   *     namespaces
   * @throws IllegalStateException if {@code setting} asks for containers and Docker does not answer
   */
  public static EtcdRuntime choose(
      String setting, boolean needsNamespaces, BooleanSupplier dockerAnswers) {
    switch (setting.strip().toLowerCase(Locale.ROOT)) {
      case "process":
        return PROCESS;
      case "container":
        if (needsNamespaces) {
          throw new IllegalArgumentException(
              PROPERTY + "=container: a cluster in network namespaces runs local processes only");
        }
        if (!dockerAnswers.getAsBoolean()) {
          throw new IllegalStateException(
              PROPERTY + "=container, but no Docker engine answers on this machine");
        }
        return CONTAINER;
      case "auto":
        return !needsNamespaces && dockerAnswers.getAsBoolean() ? CONTAINER : PROCESS;
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be process, container or auto, not '" + setting + "'");
    }
  }

  /**
   * Makes a member, not yet started.
   *
   * @param etcd its flags
   * @param logFile where its output is appended
   * @param binary the etcd binary, for {@link #PROCESS}
   * @param prefix what the process runs behind (for example {@code ip netns exec NS}), for {@link
   *     #PROCESS}; must be empty for {@link #CONTAINER}
   * @return the member
   */
  public EtcdNode create(EtcdCommand etcd, Path logFile, String binary, List<String> prefix) {
    if (this == PROCESS) {
      return new EtcdProcess(binary, prefix, etcd, logFile);
    }
    if (!prefix.isEmpty()) {
      throw new IllegalArgumentException("a container cannot run behind " + prefix);
    }
    return new EtcdContainer(image(), etcd, logFile);
  }

  /**
   * The image containers run.
   *
   * @return {@value #IMAGE_PROPERTY}, or {@value #DEFAULT_IMAGE}
   */
  public static String image() {
    return System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
  }

  /**
   * Whether a Docker engine answers. Testcontainers' own probe is asked only if {@code DOCKER_HOST}
   * is set or {@code /var/run/docker.sock} exists: elsewhere it would spend seconds trying every
   * strategy it knows, and log each failure.
   *
   * @return true if Docker answers
   */
  public static boolean dockerAnswers() {
    String host = System.getenv("DOCKER_HOST");
    boolean hint =
        (host != null && !host.isBlank()) || Files.exists(Path.of("/var/run/docker.sock"));
    return hint && DockerClientFactory.instance().isDockerAvailable();
  }
}
