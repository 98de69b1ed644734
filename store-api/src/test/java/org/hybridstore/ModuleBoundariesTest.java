package org.hybridstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import org.hybridstore.archfixture.bad.UsesCpInternal;
import org.hybridstore.archfixture.bad.UsesJetcd;
import org.hybridstore.archfixture.bad.UsesMapDb;
import org.hybridstore.archfixture.good.UsesApiOnly;
import org.hybridstore.testing.ModuleBoundaries;
import org.junit.jupiter.api.Test;

class ModuleBoundariesTest {

  @Test
  void storeApi_keepsItsBoundaries() {
    ModuleBoundaries.STORE_API.rule().check(ModuleBoundaries.productionClasses("org.hybridstore"));
  }

  @Test
  void storeApi_productionClassesAreImported() {
    // Guards the rule above against passing on an empty import.
    assertThat(ModuleBoundaries.productionClasses("org.hybridstore").contain(OrderId.class))
        .isTrue();
  }

  @Test
  void rules_failOnJetcdOutsideCpBackend() {
    // Given a class outside cp-backend that uses a type in io.etcd..
    JavaClasses bad = new ClassFileImporter().importClasses(UsesJetcd.class);
    // Then every rule but cp-backend's rejects it
    for (ModuleBoundaries m :
        new ModuleBoundaries[] {ModuleBoundaries.AP_BACKEND, ModuleBoundaries.SWITCHOVER}) {
      EvaluationResult result = rescoped(m, bad);
      assertThat(result.hasViolation()).as(m.name()).isTrue();
    }
    assertThatThrownBy(
            () ->
                ModuleBoundaries.STORE_API
                    .bannedDependencies("org.hybridstore.archfixture..")
                    .check(bad))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("io.etcd.jetcd.archfixture.FakeJetcdType");
  }

  @Test
  void rules_failOnMapDbOutsideApStorage() {
    JavaClasses bad = new ClassFileImporter().importClasses(UsesMapDb.class);
    assertThatThrownBy(
            () ->
                ModuleBoundaries.STORE_API
                    .bannedDependencies("org.hybridstore.archfixture..")
                    .check(bad))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("org.mapdb");
    assertThat(rescoped(ModuleBoundaries.SWITCHOVER, bad).hasViolation()).isTrue();
    assertThat(rescoped(ModuleBoundaries.CP_BACKEND, bad).hasViolation()).isTrue();
  }

  @Test
  void rules_failOnInternalPackageAcrossModules() {
    JavaClasses bad = new ClassFileImporter().importClasses(UsesCpInternal.class);
    assertThat(rescoped(ModuleBoundaries.SWITCHOVER, bad).hasViolation()).isTrue();
    assertThat(rescoped(ModuleBoundaries.APPLICATION, bad).hasViolation()).isTrue();
  }

  @Test
  void rules_passOnApiOnlyClass() {
    JavaClasses good = new ClassFileImporter().importClasses(UsesApiOnly.class);
    for (ModuleBoundaries m : ModuleBoundaries.values()) {
      assertThat(rescoped(m, good).hasViolation()).as(m.name()).isFalse();
    }
  }

  /**
   * The fixtures live in org.hybridstore.archfixture, outside every module's packages; evaluate a
   * module's rule as if they were that module's classes by checking the banned-dependency part
   * against them directly.
   */
  private static EvaluationResult rescoped(ModuleBoundaries module, JavaClasses classes) {
    return module.bannedDependencies("org.hybridstore.archfixture..").evaluate(classes);
  }
}
