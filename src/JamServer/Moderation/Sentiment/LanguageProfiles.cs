using System.Collections.Frozen;

namespace JamServer.Moderation.Sentiment;

/// <summary>
/// The Latin-script languages the detector tells apart, with their most frequent words. A word found in several
/// languages' lists counts for each of them by 1 / (number of lists), so shared words ("a", "in", "no") weigh little.
/// English also lists common words of short jam replies ("great", "idea", "agree") so that "Great idea!" is English.
/// </summary>
internal static class LanguageProfiles
{
    /// <summary>Codes by index; the first seven have word lists, the rest are told by their letters only.</summary>
    public static readonly string[] Codes = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "tr", "vi", "ro", "hu"];

    public const int English = 0, German = 1, French = 2, Spanish = 3, Italian = 4, Portuguese = 5, Dutch = 6;
    public const int Polish = 7, Czech = 8, Turkish = 9, Vietnamese = 10, Romanian = 11, Hungarian = 12;

    private const string EnglishWords =
        "the a an and or but if of to in on at by for with about from into over after before between through during without " +
        "under up out off is are was were be been being am do does did done have has had having will would shall should can " +
        "could may might must not no yes this that these those it its it's i i'm i've i'd i'll me my mine we we're we've " +
        "we'll our ours us you you're you've your yours he he's she she's his her him they they're their them what which " +
        "who whom whose when where why how there here than then so too very just also only even more most much many some " +
        "any all each every other another such own same both few because while until since though although again still " +
        "already yet ever never always often really well let's don't doesn't didn't isn't aren't wasn't weren't won't " +
        "wouldn't can't couldn't shouldn't haven't hasn't that's there's what's think know see like love want need make get " +
        "go going great good bad best better worse worst idea ideas agree disagree agreed thanks thank please nice new people " +
        "team work way thing things one two first proposal customers customer company right sure okay wow awesome cool " +
        "amazing excellent terrible true point question problem help use said say let maybe probably anyone someone everyone " +
        "nothing something everything today tomorrow week year interesting useful exactly absolutely definitely totally " +
        "waste money time money great fantastic brilliant hate love totally should would our it's doesn't seems looks sounds " +
        "who's isn't why not yeah nope hi hello everybody folks guys lol agreed support against as count " +
        "feel feels felt look looks looked seem seemed sound give gives gave take takes took come comes came put keep " +
        "keeps kept find found tell told ask asked show shows try tried call called mean means start started run runs " +
        "bring happen happened write wrote provide lose pay meet include including continue learn change changes lead " +
        "understand follow stop create speak read allow add spend grow open win offer remember consider buy wait build " +
        "stay reach suggest raise sell require report decide join share shared fix fixes save saves cost costs worth " +
        "day days thing life world school family group country hand part place case week system program night home " +
        "water area money story fact month lot study book job word business issue side kind head house service " +
        "friend power hour game line end member law car city community name minute body information back parent face " +
        "others level office door health person history party result morning reason research moment teacher " +
        "education other old high big small large young long little important bad real sure low early able late hard " +
        "major strong possible whole free true full easy clear recent certain open difficult available likely short " +
        "single wrong private past common poor happy ready simple left close cold main huge " +
        "customers employees partners engineers engineer plant plants lab research proposals pilot budget data tool " +
        "tools process project region regions site sites thread post posts jam vote voting teams management manager " +
        "supplier suppliers training sales product products services app portal meeting meetings staff workers " +
        "everyone's anyone's let's we'd you'd they'd it'll that'll i'd done made said been getting got doing makes " +
        "own worth enough else almost around away already later soon now today next last every each least less perfect congrats congratulations welcome sorry indeed noted";

    private const string GermanWords =
        "der die das den dem des ein eine einen einem einer eines und oder aber nicht kein keine keinen ist sind war waren " +
        "wird werden wurde wurden hat haben hatte ich du er sie es wir ihr mich mir dich uns euch sich mit von zu zum zur auf " +
        "in für aus bei nach über unter vor durch gegen ohne um im am ins vom beim auch noch schon nur sehr mehr wie was wer " +
        "wo warum wann dass daß wenn weil ob als doch ja nein gut gute guter gutes schlecht idee kann können könnte müssen " +
        "muss soll sollte sollten würde wäre dieser diese dieses hier dort dann jetzt heute immer alle viel viele man unser " +
        "unsere unseren mein meine ihre gibt geht machen finde denke glaube toll danke bitte vielleicht eigentlich wirklich " +
        "einfach ganz etwas nichts zwischen sowie bereits damit dafür dazu darüber wieder mal sein seine kunden mitarbeiter " +
        "projekt vorschlag leider super wichtig neue neuen gemacht schön großartig";

    private const string FrenchWords =
        "le la les un une des du de et ou mais ne pas plus est sont était être avoir ai ont je tu il elle nous vous ils " +
        "elles on te se moi toi lui leur leurs ce cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos qui " +
        "que quoi dont où quand comment pourquoi avec pour dans sur sous par chez sans entre vers aussi très bien tout tous " +
        "toute toutes même comme si oui non merci idée bonne bon c'est j'ai n'est d'un d'une qu'il peut faire fait été " +
        "cela ça ici donc alors encore déjà beaucoup peu trop clients équipe projet proposition vraiment pense trouve " +
        "super génial nouvelle nouveau c' j' qu' n' s' m' l' d'";

    private const string SpanishWords =
        "el la los las un una unos unas y o pero no sí es son era está están estar ser fue ha han he hay yo tú él ella " +
        "nosotros ellos ellas usted ustedes me te se nos le les lo mi mis tu tus su sus nuestro nuestra que qué quien " +
        "quién cuando cuándo donde dónde como cómo por para con sin sobre entre hasta desde del al de en muy más menos " +
        "también todo todos toda esta este esto estos esa ese eso aquí ya bien mal gracias buena bueno idea creo puede " +
        "hacer tiene tenemos porque pues mucho mucha muchos clientes equipo propuesta empresa sería podría excelente " +
        "genial";

    private const string ItalianWords =
        "il lo la i gli le un uno una e ed o ma non sì è sono era essere ha hanno ho abbiamo io tu lui lei noi voi loro " +
        "mi ti si ci vi mio mia tuo suo sua nostro nostra che chi cosa quando dove come perché per con senza su tra fra " +
        "di da del della dei delle dello al alla ai alle nel nella nei sul sulla anche molto più meno tutto tutti questo " +
        "questa questi quello quella qui già bene male grazie buona buono idea penso può fare ogni sempre ancora clienti " +
        "squadra proposta azienda sarebbe potrebbe degli nostri ottima ottimo l' d' dell' all' nell' sull' un' c'è";

    private const string PortugueseWords =
        "o a os as um uma uns umas e ou mas não sim é são era está estão ser estar foi tem têm temos eu tu você vocês ele " +
        "ela nós eles elas me te se nos lhe meu minha seu sua nosso nossa que quem quando onde como porque por para com " +
        "sem sobre entre até desde do da dos das no na nas ao à em de muito mais menos também todo todos toda isto isso " +
        "este esta esse essa aqui já bem mal obrigado obrigada boa bom ideia acho pode fazer cada sempre ainda clientes " +
        "equipe equipa proposta empresa seria poderia vamos ótima ótimo";

    private const string DutchWords =
        "de het een en of maar niet geen is zijn was waren wordt worden werd heeft hebben had ik jij je u hij zij ze wij " +
        "we jullie mij me ons onze mijn jouw haar hun die dat deze dit wie wat waar wanneer hoe waarom met van voor naar " +
        "op aan in uit bij over door tegen zonder om tot ook nog al alleen zeer heel meer veel als dan wel toch ja nee " +
        "goed slecht idee kan kunnen moet moeten zou zouden hier daar er nu vandaag altijd alle iets niets klanten voorstel " +
        "bedrijf denk vind graag bedankt dank mooi leuk echt gewoon misschien omdat want";

    /// <summary>Each word's languages as a bit mask (bit i = <see cref="Codes"/>[i]).</summary>
    public static readonly FrozenDictionary<string, ushort> WordLanguages = BuildWordLanguages();

    /// <summary>How much a word with this mask counts for each of its languages.</summary>
    public static readonly double[] WeightOfMask = BuildWeights();

    private static FrozenDictionary<string, ushort> BuildWordLanguages()
    {
        var masks = new Dictionary<string, ushort>(StringComparer.OrdinalIgnoreCase);
        string[] lists = [EnglishWords, GermanWords, FrenchWords, SpanishWords, ItalianWords, PortugueseWords, DutchWords];
        for (var language = 0; language < lists.Length; language++)
        {
            foreach (var word in lists[language].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                masks[word] = (ushort)(masks.GetValueOrDefault(word) | (1 << language));
            }
        }

        return masks.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static double[] BuildWeights()
    {
        var weights = new double[1 << 7];
        for (var mask = 1; mask < weights.Length; mask++)
        {
            weights[mask] = 1.0 / System.Numerics.BitOperations.PopCount((uint)mask);
        }

        return weights;
    }
}
