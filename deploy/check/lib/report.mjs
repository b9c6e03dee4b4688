// What was checked (printed as it goes) and what is wrong (listed at the end; any makes the exit code 1).
export class Report {
  problems = [];

  section(title) {
    console.log(`\n${title}`);
  }

  ok(what) {
    console.log(`  ok    ${what}`);
  }

  skip(what) {
    console.log(`  skip  ${what}`);
  }

  problem(where, what) {
    const line = `${where}: ${what}`;
    this.problems.push(line);
    console.log(`  FAIL  ${line}`);
  }

  /** Records a problem when the condition is false, an ok line when it holds. */
  expect(condition, where, what, failure) {
    if (condition) this.ok(what);
    else this.problem(where, failure ?? what);
    return condition;
  }
}
