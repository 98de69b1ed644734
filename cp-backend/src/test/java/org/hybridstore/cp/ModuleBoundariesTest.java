package org.hybridstore.cp;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  private static final JavaClasses PRODUCTION =
      ModuleBoundaries.productionClasses("org.hybridstore.cp");

  @Test
  void cpBackend_keepsItsBoundaries() {
    ModuleBoundaries.CP_BACKEND.rule().check(PRODUCTION);
  }

  @Test
  void cpBackend_productionClassesAreImported() {
    // Guards the rule above against passing on an empty import.
    assertThat(PRODUCTION.contain(EtcdBackendFactory.class)).isTrue();
    assertThat(PRODUCTION.contain("org.hybridstore.cp.internal.EtcdOrderBackend")).isTrue();
  }

  @Test
  void cpPackage_exposesOnlyTheFactory() {
    assertThat(
            PRODUCTION.stream()
                .filter(c -> c.getPackageName().equals("org.hybridstore.cp"))
                .filter(
                    c ->
                        c.getModifiers()
                            .contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC))
                .map(JavaClass::getSimpleName))
        .containsExactly("EtcdBackendFactory");
  }
}
