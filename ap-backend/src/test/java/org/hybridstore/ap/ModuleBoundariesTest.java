package org.hybridstore.ap;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  private static final JavaClasses CLASSES =
      ModuleBoundaries.productionClasses("org.hybridstore.ap");

  @Test
  void apBackend_keepsItsBoundaries() {
    JavaClasses classes = CLASSES;
    // Guards the rule against passing on an empty import.
    assertThat(classes.contain(MapDbBackendFactory.class)).isTrue();
    assertThat(classes.contain("org.hybridstore.ap.internal.storage.JournalStore")).isTrue();
    assertThat(classes.contain("org.hybridstore.ap.internal.gossip.ScaleCubeNetwork")).isTrue();
    ModuleBoundaries.AP_BACKEND.rule().check(classes);
  }

  @Test
  void publicPackage_holdsOnlyTheFactory() {
    JavaClasses classes = CLASSES;
    assertThat(
            classes.stream()
                .filter(c -> c.getPackageName().equals("org.hybridstore.ap"))
                .filter(c -> !c.getSimpleName().equals("package-info"))
                .map(c -> c.getSimpleName()))
        .containsExactly("MapDbBackendFactory");
  }
}
