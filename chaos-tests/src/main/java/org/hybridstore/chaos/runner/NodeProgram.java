package org.hybridstore.chaos.runner;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How a node is started: the example service's runnable jar ({@code examples/order-service/target/
 * order-service-<version>.jar}, whose manifest names its runtime class path in {@code target/lib}),
 * so a node runs with the service's own dependencies and not this JVM's class path (JUnit, the
 * checker, Clojure). With a mutant, the chaos-mutants jar joins it on the class path.
 *
 * <p>The jar is found from this JVM's class path (the chaos launcher and the ITs run with the
 * reactor's built artifacts) or from the system property {@value #JAR_PROPERTY}.
 */
final class NodeProgram {
  /** A system property naming the node program's jar, overriding the search. */
  static final String JAR_PROPERTY = "hybridstore.node.jar";

  private static final String MAIN = "org.hybridstore.example.OrderService";

  private NodeProgram() {}

  /**
   * Returns the arguments after {@code java <jvm options>} that start a node: {@code -jar JAR}, or
   * {@code -cp JAR:MUTANTS MAIN} with a mutant.
   *
   * @param mutant the mutant's name, or empty
   * @return the arguments
   * @throws IllegalStateException if the jar (or the mutants' classes) cannot be found
   */
  static List<String> startArguments(String mutant) {
    List<String> classPath =
        List.of(System.getProperty("java.class.path", "").split(File.pathSeparator));
    Path jar = jar(classPath);
    if (mutant.isEmpty()) {
      return List.of("-jar", jar.toString());
    }
    Path mutants =
        entry(classPath, "chaos-mutants")
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "--mutant needs the chaos-mutants module on the class path; build it with mvn -pl chaos-tests -am package"));
    return List.of("-cp", jar + File.pathSeparator + mutants, MAIN);
  }

  static Path jar(List<String> classPath) {
    String override = System.getProperty(JAR_PROPERTY, "");
    Path jar;
    if (!override.isEmpty()) {
      jar = Path.of(override);
    } else {
      Path found =
          entry(classPath, "order-service")
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the order service is not on the class path; build it with mvn -pl chaos-tests -am package"));
      jar =
          found.toString().endsWith(".jar")
              ? found
              : builtJar(Objects.requireNonNull(found.getParent()));
    }
    if (!Files.isRegularFile(jar) || !Files.isDirectory(jar.resolveSibling("lib"))) {
      throw new IllegalStateException(
          "the node program "
              + jar
              + " is not built (a jar with lib/ beside it); run"
              + " mvn -pl examples/order-service -am package, or name it with -D"
              + JAR_PROPERTY
              + "=...");
    }
    return jar;
  }

  /** The class path entry of a reactor module: its jar or its {@code target/classes}. */
  private static Optional<Path> entry(List<String> classPath, String module) {
    for (String e : classPath) {
      Path p = Path.of(e);
      Path name = p.getFileName();
      if (name == null) {
        continue;
      }
      String n = name.toString();
      boolean jar = n.startsWith(module + "-") && n.endsWith(".jar") && !n.endsWith("-tests.jar");
      boolean classes =
          n.equals("classes")
              && p.getParent() != null
              && p.getParent().getParent() != null
              && p.getParent().getParent().getFileName() != null
              && p.getParent().getParent().getFileName().toString().equals(module);
      if (jar || classes) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The packaged jar in a module's {@code target} directory. */
  private static Path builtJar(Path target) {
    List<Path> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(target)) {
      files
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.startsWith("order-service-")
                    && n.endsWith(".jar")
                    && !n.endsWith("-tests.jar")
                    && !n.endsWith("-sources.jar");
              })
          .forEach(jars::add);
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + target + ": " + e.getMessage(), e);
    }
    if (jars.size() != 1) {
      throw new IllegalStateException(
          "expected one order-service jar in "
              + target
              + ", found "
              + jars
              + "; run mvn -pl examples/order-service -am package");
    }
    return jars.get(0);
  }
}
