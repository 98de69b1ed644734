package org.hybridstore.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class EtcdRuntimeTest {

  private static final BooleanSupplier DOCKER = () -> true;
  private static final BooleanSupplier NO_DOCKER = () -> false;

  @Test
  void auto_takesAContainerOnlyWhenDockerAnswersAndNoNamespacesAreNeeded() {
    assertThat(EtcdRuntime.choose("auto", false, DOCKER)).isEqualTo(EtcdRuntime.CONTAINER);
    assertThat(EtcdRuntime.choose("auto", false, NO_DOCKER)).isEqualTo(EtcdRuntime.PROCESS);
    assertThat(EtcdRuntime.choose("auto", true, DOCKER)).isEqualTo(EtcdRuntime.PROCESS);
    assertThat(EtcdRuntime.choose("auto", true, NO_DOCKER)).isEqualTo(EtcdRuntime.PROCESS);
  }

  @Test
  void process_neverAsksDocker() {
    AtomicInteger asked = new AtomicInteger();
    BooleanSupplier counting =
        () -> {
          asked.incrementAndGet();
          return true;
        };
    assertThat(EtcdRuntime.choose("process", false, counting)).isEqualTo(EtcdRuntime.PROCESS);
    assertThat(EtcdRuntime.choose(" PROCESS ", true, counting)).isEqualTo(EtcdRuntime.PROCESS);
    assertThat(EtcdRuntime.choose("auto", true, counting)).isEqualTo(EtcdRuntime.PROCESS);
    assertThat(asked).hasValue(0);
  }

  @Test
  void container_isRefusedWithoutDockerOrInNamespaces() {
    assertThat(EtcdRuntime.choose("Container", false, DOCKER)).isEqualTo(EtcdRuntime.CONTAINER);
    assertThatThrownBy(() -> EtcdRuntime.choose("container", false, NO_DOCKER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no Docker engine answers");
    assertThatThrownBy(() -> EtcdRuntime.choose("container", true, DOCKER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("network namespaces");
  }

  @Test
  void unknownSetting_isATypedError() {
    assertThatThrownBy(() -> EtcdRuntime.choose("docker", false, DOCKER))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(EtcdRuntime.PROPERTY)
        .hasMessageContaining("'docker'");
    assertThatThrownBy(() -> EtcdRuntime.choose("", false, DOCKER))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void create_makesTheChosenKind_andAContainerRefusesACommandPrefix() {
    EtcdCommand cmd = EtcdCommandTest.plain("m0");
    Path log = Path.of("m0.log");
    assertThat(EtcdRuntime.PROCESS.create(cmd, log, "etcd", List.of("ip", "netns", "exec", "x")))
        .isInstanceOf(EtcdProcess.class);
    assertThat(EtcdRuntime.CONTAINER.create(cmd, log, "etcd", List.of()))
        .isInstanceOf(EtcdContainer.class);
    assertThatThrownBy(
            () -> EtcdRuntime.CONTAINER.create(cmd, log, "etcd", List.of("ip", "netns", "exec")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
