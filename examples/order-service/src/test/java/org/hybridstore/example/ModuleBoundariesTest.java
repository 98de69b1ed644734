package org.hybridstore.example;

import static org.assertj.core.api.Assertions.assertThat;

import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  @Test
  void example_usesThePublicApiOnly() {
    var classes = ModuleBoundaries.productionClasses("org.hybridstore.example");
    assertThat(classes.contain(OrderService.class)).isTrue();
    ModuleBoundaries.APPLICATION.rule().check(classes);
  }
}
