package org.hybridstore.switchover;

import static org.assertj.core.api.Assertions.assertThat;

import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {
  @Test
  void switchover_seesBackendsOnlyThroughTheSpi() {
    var classes = ModuleBoundaries.productionClasses("org.hybridstore.switchover");
    assertThat(classes.contain(HybridOrderStore.class)).isTrue();
    ModuleBoundaries.SWITCHOVER.rule().check(classes);
  }
}
