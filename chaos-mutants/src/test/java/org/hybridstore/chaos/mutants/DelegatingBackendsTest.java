package org.hybridstore.chaos.mutants;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.hybridstore.spi.LocalBackend;
import org.hybridstore.spi.StrongBackend;
import org.junit.jupiter.api.Test;

/**
 * A mutant must break exactly one thing: the delegating bases forward every method of the SPI,
 * default methods included, so a new SPI method cannot silently fall back to its default inside a
 * mutant (as {@code replicaHashes} once did, which made every mutated node list an empty replica).
 */
class DelegatingBackendsTest {
  @Test
  void delegatingLocalBackend_overridesEveryMethodOfTheSpi() {
    assertOverridesAll(DelegatingLocalBackend.class, LocalBackend.class);
  }

  @Test
  void delegatingStrongBackend_overridesEveryMethodOfTheSpi() {
    assertOverridesAll(DelegatingStrongBackend.class, StrongBackend.class);
  }

  @Test
  void registry_listsTenMutantsWithScenarios() {
    List<ChaosMutant> all =
        List.of(
            new SkipReconcile(),
            new AckBeforeCommit(),
            new ReapplyRetries(),
            new MirrorLinearizableReads(),
            new StaleLocalReads(),
            new LocalWinsAbsorb(),
            new DropAbsorb(),
            new AckUncertainStrong(),
            new ConfirmTooEarly(),
            new CoalescingWatch());
    assertThat(all).extracting(ChaosMutant::name).doesNotHaveDuplicates().hasSize(10);
    assertThat(all)
        .allSatisfy(
            m -> {
              assertThat(m.caughtBy()).isNotEmpty();
              assertThat(m.nemeses()).isNotEmpty();
              assertThat(m.bug()).isNotBlank();
            });
  }

  private static void assertOverridesAll(Class<?> impl, Class<?> spi) {
    for (Method m : spi.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      assertThat(
              Arrays.stream(impl.getDeclaredMethods())
                  .anyMatch(
                      d ->
                          d.getName().equals(m.getName())
                              && Arrays.equals(d.getParameterTypes(), m.getParameterTypes())))
          .as("%s forwards %s", impl.getSimpleName(), m)
          .isTrue();
    }
  }
}
