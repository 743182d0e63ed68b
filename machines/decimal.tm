# DECIMAL: a number as people write it: the digits of its tape, most significant first, as
# text (the tape |2|1|1 is "112"). The output aligner: the head walks to the top digit, then
# down, writing each; zeros above the top digit are not written (0 is "0").
machine DECIMAL(n)
  head H on n
  output TEXT
  text TEXT
  result TEXT
  start q0
  halt qH

  q0: move H right; -> q1
  q1 (H = x): move H right; -> q1
  q1 (H = _): move H left; -> q2
  q2 (H = 0): move H left; -> q2
  q2 (H = x) if x != 0: put x on TEXT; move TEXT right; move H left; -> q3
  q2 (H = ^): put 0 on TEXT; move TEXT right; finish TEXT; -> qH
  q3 (H = x): put x on TEXT; move TEXT right; move H left; -> q3
  q3 (H = ^): finish TEXT; -> qH

  render q0, q1, q2, q3 as "DECIMAL, " state ", " H " " TEXT
  render qH as "DECIMAL, qH, " H " " TEXT
