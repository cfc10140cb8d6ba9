/**
 * ISO 3166-1 alpha-2 codes for E.164 numbers, for SNS filter policies. A prefix table, not libphonenumber: its
 * smallest build adds about 120 KB to a bundle already near its limit, and the calling code (plus the area code
 * within +1 and +7) is all a filter needs.
 *
 * A calling code shared by several countries and not split below (+44 for GB, GG, IM and JE, say) yields all of
 * them: a filter policy matches when any value matches, so an alert may reach a subscriber one country too many,
 * but never misses one. A number we can't place yields 'ZZ' (the user-assigned code CLDR uses for "unknown
 * region"), so a subscriber can opt in to those too.
 */
export const UNKNOWN_COUNTRY = 'ZZ';

/** Parses "code=ISO" entries, several ISO codes joined by "/", separated by whitespace. */
function prefixTable(entries: string): ReadonlyMap<string, readonly string[]> {
  return new Map(
    entries
      .trim()
      .split(/\s+/)
      .map((entry) => {
        const [prefix = '', countries = ''] = entry.split('=');
        return [prefix, countries.split('/')];
      }),
  );
}

/** ITU-T E.164 country calling codes other than +1 and +7, as assigned in 2025. They are prefix-free. */
const CALLING_CODES = prefixTable(`
  20=EG 211=SS 212=MA/EH 213=DZ 216=TN 218=LY 220=GM 221=SN 222=MR 223=ML 224=GN 225=CI 226=BF 227=NE 228=TG
  229=BJ 230=MU 231=LR 232=SL 233=GH 234=NG 235=TD 236=CF 237=CM 238=CV 239=ST 240=GQ 241=GA 242=CG 243=CD
  244=AO 245=GW 246=IO 247=SH 248=SC 249=SD 250=RW 251=ET 252=SO 253=DJ 254=KE 255=TZ 256=UG 257=BI 258=MZ
  260=ZM 261=MG 262=RE/YT 263=ZW 264=NA 265=MW 266=LS 267=BW 268=SZ 269=KM 27=ZA 290=SH 291=ER 297=AW 298=FO
  299=GL 30=GR 31=NL 32=BE 33=FR 34=ES 350=GI 351=PT 352=LU 353=IE 354=IS 355=AL 356=MT 357=CY 358=FI/AX
  359=BG 36=HU 370=LT 371=LV 372=EE 373=MD 374=AM 375=BY 376=AD 377=MC 378=SM 379=VA 380=UA 381=RS 382=ME
  383=XK 385=HR 386=SI 387=BA 389=MK 39=IT/VA 40=RO 41=CH 420=CZ 421=SK 423=LI 43=AT 44=GB/GG/IM/JE 45=DK
  46=SE 47=NO/SJ 48=PL 49=DE 500=FK 501=BZ 502=GT 503=SV 504=HN 505=NI 506=CR 507=PA 508=PM 509=HT 51=PE
  52=MX 53=CU 54=AR 55=BR 56=CL 57=CO 58=VE 590=GP/BL/MF 591=BO 592=GY 593=EC 594=GF 595=PY 596=MQ 597=SR
  598=UY 599=CW/BQ 60=MY 61=AU/CC/CX 62=ID 63=PH 64=NZ 65=SG 66=TH 670=TL 672=NF 673=BN 674=NR 675=PG 676=TO
  677=SB 678=VU 679=FJ 680=PW 681=WF 682=CK 683=NU 685=WS 686=KI 687=NC 688=TV 689=PF 690=TK 691=FM 692=MH
  81=JP 82=KR 84=VN 850=KP 852=HK 853=MO 855=KH 856=LA 86=CN 880=BD 886=TW 90=TR 91=IN 92=PK 93=AF 94=LK
  95=MM 960=MV 961=LB 962=JO 963=SY 964=IQ 965=KW 966=SA 967=YE 968=OM 970=PS 971=AE 972=IL 973=BH 974=QA
  975=BT 976=MN 977=NP 98=IR 992=TJ 993=TM 994=AZ 995=GE 996=KG 998=UZ
`);

/** +1 area codes outside the US, as of 2025. An area code not listed is taken to be a US one. */
const NANP_AREA_CODES = prefixTable(`
  204=CA 226=CA 236=CA 249=CA 250=CA 257=CA 263=CA 273=CA 289=CA 306=CA 343=CA 354=CA 365=CA 367=CA 368=CA
  382=CA 403=CA 416=CA 418=CA 428=CA 431=CA 437=CA 438=CA 450=CA 468=CA 474=CA 506=CA 514=CA 519=CA 548=CA
  579=CA 581=CA 584=CA 587=CA 600=CA 604=CA 613=CA 622=CA 633=CA 639=CA 647=CA 672=CA 683=CA 705=CA 709=CA
  742=CA 753=CA 778=CA 780=CA 782=CA 807=CA 819=CA 825=CA 867=CA 873=CA 879=CA 902=CA 905=CA 942=CA
  242=BS 246=BB 264=AI 268=AG 284=VG 340=VI 345=KY 441=BM 473=GD 649=TC 658=JM 664=MS 670=MP 671=GU 684=AS
  721=SX 758=LC 767=DM 784=VC 787=PR 809=DO 829=DO 849=DO 868=TT 869=KN 876=JM 939=PR
  800=US/CA 833=US/CA 844=US/CA 855=US/CA 866=US/CA 877=US/CA 888=US/CA
`);

function countriesOf(number: string): string[] {
  const digits = /^\+(\d{4,15})$/.exec(number.replace(/[\s().-]/g, ''))?.[1];
  if (!digits) return [UNKNOWN_COUNTRY];
  // Toll-free numbers (8XX) are shared by the US and Canada, so both are listed.
  if (digits.startsWith('1')) return [...(NANP_AREA_CODES.get(digits.slice(1, 4)) ?? ['US'])];
  // Kazakhstan holds +76 and +77; the rest of +7 is Russia.
  if (digits.startsWith('7')) return [/^7[67]/.test(digits) ? 'KZ' : 'RU'];
  for (const length of [1, 2, 3]) {
    const countries = CALLING_CODES.get(digits.slice(0, length));
    if (countries) return [...countries];
  }
  return [UNKNOWN_COUNTRY];
}

/** Sorted, without repeats; ['ZZ'] for an empty list, since String.Array filters can't match on nothing. */
export function countryCodesOf(numbers: readonly string[]): string[] {
  const codes = new Set(numbers.flatMap(countriesOf));
  if (codes.size === 0) codes.add(UNKNOWN_COUNTRY);
  return [...codes].sort();
}
