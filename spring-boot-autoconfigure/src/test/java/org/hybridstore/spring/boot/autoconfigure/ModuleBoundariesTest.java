package org.hybridstore.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  @Test
  void starter_usesThePublicApiOnly() {
    // The starter is a user of the library: factories and public API, no internals, no library
    // types.
    var classes = ModuleBoundaries.productionClasses("org.hybridstore.spring");
    assertThat(classes.contain(HybridStoreAutoConfiguration.class)).isTrue();
    ModuleBoundaries.APPLICATION.bannedDependencies("org.hybridstore.spring..").check(classes);
  }
}
