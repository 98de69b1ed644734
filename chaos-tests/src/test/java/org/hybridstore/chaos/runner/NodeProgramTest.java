package org.hybridstore.chaos.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeProgramTest {
  @TempDir Path dir;

  @Test
  void aJarOnTheClassPath_isTheNodeProgram() throws Exception {
    Path target = module("order-service");
    Path jar = Files.createFile(target.resolve("order-service-0.1.0-SNAPSHOT.jar"));
    assertThat(NodeProgram.jar(List.of("/x/junit-5.jar", jar.toString()))).isEqualTo(jar);
  }

  @Test
  void theModulesClassesOnTheClassPath_pointToItsBuiltJar() throws Exception {
    Path target = module("order-service");
    Path classes = Files.createDirectories(target.resolve("classes"));
    Files.createFile(target.resolve("order-service-0.1.0-SNAPSHOT-tests.jar"));
    Path jar = Files.createFile(target.resolve("order-service-0.1.0-SNAPSHOT.jar"));
    assertThat(NodeProgram.jar(List.of(classes.toString()))).isEqualTo(jar);
  }

  @Test
  void aJarWithoutItsLibraries_isRefusedWithTheCommandThatBuildsIt() throws Exception {
    Path jar =
        Files.createFile(
            Files.createDirectories(dir.resolve("repo")).resolve("order-service-0.1.0.jar"));
    assertThatThrownBy(() -> NodeProgram.jar(List.of(jar.toString())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mvn -pl examples/order-service -am package");
  }

  @Test
  void noOrderServiceOnTheClassPath_isRefused() {
    assertThatThrownBy(() -> NodeProgram.jar(List.of("/x/junit-5.jar")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not on the class path");
  }

  private Path module(String name) throws Exception {
    Path target = Files.createDirectories(dir.resolve(name).resolve("target"));
    Files.createDirectories(target.resolve("lib"));
    return target;
  }
}
