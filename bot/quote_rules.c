/*
 * quote_rules.c - the data behind quote_strip(): how the common mail
 * clients, in the languages members use, write a quote attribution
 * ("On … wrote:"), a separator ("-----Original Message-----"), a forward,
 * an Outlook header block and a mobile footer; and the lookups over it,
 * compiled into buckets keyed by a line's first or last byte at first use
 * (pthread_once; read-only afterwards, any thread).  Languages: the 25 most
 * common among students at German universities and in European mail
 * clients.  Each line rule carries a test line that tests/unit/test_quote_rules.c
 * matches.  The file is longer than the house limit because it is mostly
 * table: the code part is under 250 lines.
 */
#include "quote_rules.h"
#include "util.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define R(fam, kind, lang, pre, pat, test)                                                                             \
	{                                                                                                              \
		QF_##fam, QR_##kind, lang, pre, pat, test                                                              \
	}

static const struct quote_rule rules[] = {
	/* ---- attribution date prefixes (start a wrapped header; "wrote" without colon) */
	R(ANY, ATTR_PRE, "en", "On ", NULL, "On Tue, Jan 5, 2021 at 9:12 AM"),
	R(ANY, ATTR_PRE, "de", "Am ", NULL, "Am Di., 5. Jan. 2021 um 09:12 Uhr"),
	R(ANY, ATTR_PRE, "fr", "Le ", NULL, "Le mar. 5 janv. 2021 à 09:12,"),
	R(ANY, ATTR_PRE, "es", "El ", NULL, "El mar., 5 ene. 2021 a las 9:12,"),
	R(ANY, ATTR_PRE, "it", "Il ", NULL, "Il giorno mar 5 gen 2021 alle ore 09:12"),
	R(ANY, ATTR_PRE, "pt", "Em ", NULL, "Em ter., 5 de jan. de 2021 às 09:12,"),
	R(ANY, ATTR_PRE, "nl", "Op ", NULL, "Op di 5 jan. 2021 om 09:12"),
	R(ANY, ATTR_PRE, "sv/da", "Den ", NULL, "Den tis 5 jan. 2021 kl 09:12"),
	R(ANY, ATTR_PRE, "pl", "W dniu ", NULL, "W dniu 5.01.2021 o 09:12,"),
	R(ANY, ATTR_PRE, "cs", "Dne ", NULL, "Dne 5. 1. 2021 v 9:12"),
	R(ANY, ATTR_PRE, "el", "Στις ", NULL, "Στις Τρί, 5 Ιαν 2021 στις 9:12 π.μ.,"),
	R(ANY, ATTR_PRE, "id", "Pada ", NULL, "Pada tanggal Sel, 5 Jan 2021 pukul 09.12"),
	R(ANY, ATTR_PRE, "vi", "Vào ", NULL, "Vào Th 3, 5 thg 1, 2021 vào lúc 09:12"),
	R(ANY, ATTR_PRE, "ar", "في ", NULL, "في الثلاثاء، 5 يناير 2021 9:12 ص"),
	R(ANY, ATTR_PRE, "hr/sr", "Dana ", NULL, "Dana 5. 1. 2021. u 09:12,"),
	R(ANY, ATTR_PRE, "ro", "Pe ", NULL, "Pe mar., 5 ian. 2021 la 09:12,"),
	R(ANY, ATTR_PRE, "ru", "В ", NULL, "В Вт, 5 янв. 2021 г. в 09:12,"),

	/* ---- attribution verb at the end (Gmail, Apple Mail, Thunderbird, K-9 ...) */
	R(ANY, ATTR_END, "en", NULL, "wrote:", "On Tue, Jan 5, 2021 at 9:12 AM Ann Lee <ann@example.com> wrote:"),
	R(ANY, ATTR_END, "en", NULL, "writes:", "Ann Lee <ann@example.com> writes:"),
	R(ANY, ATTR_END, "de", NULL, "schrieb:", "Max Mustermann schrieb:"),
	R(ANY, ATTR_END, "fr", NULL, "a écrit :", "Le mar. 5 janv. 2021 à 09:12, Anne <anne@example.fr> a écrit :"),
	R(ANY, ATTR_END, "fr", NULL, "a écrit:", "Le 05/01/2021 à 09:12, Anne a écrit:"),
	R(ANY, ATTR_END, "fr", NULL, "a écrit\xc2\xa0:", "Le 05/01/2021 à 09:12, Anne a écrit\xc2\xa0:"),
	R(ANY, ATTR_END, "ca", NULL, "ha escrit:", "El 05/01/2021 09:12, Jordi <jordi@example.cat> ha escrit:"),
	R(GMAIL, ATTR_END, "ca", NULL,
	  "va escriure:", "El dt., 5 de gen. 2021 a les 9:12, Jordi (<jordi@example.cat>) va escriure:"),
	R(ANY, ATTR_END, "hu", NULL, " írta:", "2021.01.05. 9:12 keltezéssel, \"Kiss Anna\" írta:"),
	R(ANY, ATTR_END, "es", NULL, "escribió:", "El mar., 5 ene. 2021 a las 9:12, Ana (<ana@example.es>) escribió:"),
	R(ANY, ATTR_END, "it", NULL,
	  "ha scritto:", "Il giorno mar 5 gen 2021 alle ore 09:12 Anna <anna@example.it> ha scritto:"),
	R(ANY, ATTR_END, "pt", NULL,
	  "escreveu:", "Em ter., 5 de jan. de 2021 às 09:12, Ana <ana@example.pt> escreveu:"),
	R(ANY, ATTR_END, "nl", NULL, "schreef:", "Anne de Vries <anne@example.nl> schreef:"),
	R(ANY, ATTR_END, "sv/da/nb", NULL, "skrev:", "Anna Berg <anna@example.se> skrev:"),
	R(ANY, ATTR_END, "pl", NULL, "napisał(a):", "wt., 5 sty 2021 o 09:12 Anna Nowak <anna@example.pl> napisał(a):"),
	R(ANY, ATTR_END, "pl", NULL, "napisał:", "W dniu 5.01.2021 o 09:12, Jan Nowak pisze, napisał:"),
	R(ANY, ATTR_END, "pl", NULL, "napisała:", "W dniu 5.01.2021 o 09:12, Anna Nowak napisała:"),
	R(ANY, ATTR_END, "pl", NULL, "pisze:", "W dniu 5.01.2021 o 09:12, Anna Nowak pisze:"),
	R(ANY, ATTR_END, "cs", NULL, "napsal:", "út 5. 1. 2021 v 9:12 odesílatel Jan Novák <jan@example.cz> napsal:"),
	R(ANY, ATTR_END, "cs", NULL, "napsal(a):", "Dne 5. 1. 2021 v 9:12 Jana Nováková napsal(a):"),
	R(ANY, ATTR_END, "sk", NULL, "napísal(a):", "ut 5. 1. 2021 o 9:12 Ján Kováč <jan@example.sk> napísal(a):"),
	R(ANY, ATTR_END, "sk", NULL, "napísal:", "Dňa 5. 1. 2021 o 9:12 Ján Kováč napísal:"),
	R(ANY, ATTR_END, "sl", NULL, "napisal:", "Janez Novak <janez@example.si> je napisal:"),
	R(ANY, ATTR_END, "hr", NULL,
	  "napisao je:", "uto, 5. sij 2021. u 09:12 Ivan Horvat <ivan@example.hr> napisao je:"),
	R(ANY, ATTR_END, "hr", NULL,
	  "napisala je:", "uto, 5. sij 2021. u 09:12 Ana Horvat <ana@example.hr> napisala je:"),
	R(ANY, ATTR_END, "sr", NULL,
	  "је написао/ла:", "уто, 5. јан 2021. у 09:12 Петар <petar@example.rs> је написао/ла:"),
	R(ANY, ATTR_END, "sr", NULL,
	  "je napisao/la:", "uto, 5. jan 2021. u 09:12 Petar <petar@example.rs> je napisao/la:"),
	R(ANY, ATTR_END, "ro", NULL, "a scris:", "Ana Popescu <ana@example.ro> a scris:"),
	R(ANY, ATTR_END, "bg", NULL, "написа:", "вт, 5.01.2021 г. в 9:12 ч. Иван <ivan@example.bg> написа:"),
	R(ANY, ATTR_END, "ru", NULL, "написал:", "5 янв. 2021 г., в 9:12, Иван <ivan@example.ru> написал:"),
	R(ANY, ATTR_END, "ru", NULL, "написала:", "5 янв. 2021 г., в 9:12, Анна <anna@example.ru> написала:"),
	R(ANY, ATTR_END, "ru", NULL, "написал(а):", "вт, 5 янв. 2021 г. в 09:12, Иван <ivan@example.ru> написал(а):"),
	R(ANY, ATTR_END, "ru", NULL, "пишет:", "Вторник, 5 января 2021, 9:12 +03:00 от Иван <ivan@example.ru> пишет:"),
	R(ANY, ATTR_END, "uk", NULL, "пише:", "вт, 5 січ. 2021 о 09:12 Олена <olena@example.ua> пише:"),
	R(ANY, ATTR_END, "uk", NULL, "написав:", "5 січ. 2021 о 09:12 Тарас <taras@example.ua> написав:"),
	R(ANY, ATTR_END, "el", NULL,
	  "έγραψε:", "Στις Τρί, 5 Ιαν 2021 στις 9:12 π.μ., ο/η Νίκος <n@example.gr> έγραψε:"),
	R(ANY, ATTR_END, "tr", NULL,
	  "yazdı:", "Ayşe <ayse@example.com.tr>, 5 Oca 2021 Sal, 09:12 tarihinde şunu yazdı:"),
	R(ANY, ATTR_END, "fi", NULL,
	  "kirjoitti:", "ti 5. tammik. 2021 klo 9.12 Matti Virtanen (matti@example.fi) kirjoitti:"),
	R(ANY, ATTR_END, "et", NULL, "kirjutas:", "T, 5. jaanuar 2021 kell 09:12 Mari <mari@example.ee> kirjutas:"),
	R(ANY, ATTR_END, "lv", NULL,
	  "rakstīja:", "otrd., 2021. g. 5. janv., plkst. 09:12 — lietotājs Jānis (<j@example.lv>) rakstīja:"),
	R(ANY, ATTR_END, "lt", NULL, "rašė:", "2021-01-05, an, 09:12, Jonas <jonas@example.lt> rašė:"),
	R(ANY, ATTR_END, "zh", NULL, "写道：", "王伟 <wang@example.cn> 于2021年1月5日周二 上午9:12写道："),
	R(ANY, ATTR_END, "zh", NULL, "写道:", "在 2021年1月5日，上午9:12，王伟 <wang@example.cn> 写道:"),
	R(ANY, ATTR_END, "zh-tw", NULL, "寫道：", "王偉 <wang@example.tw> 於 2021年1月5日 週二 上午9:12寫道："),
	R(ANY, ATTR_END, "ja", NULL, "のメール:", "2021/01/05 9:12、田中 <tanaka@example.jp>のメール:"),
	R(APPLE, ATTR_END, "ja", NULL, "のメッセージ:", "2021/01/05 9:12、田中 <tanaka@example.jp> のメッセージ:"),
	R(ANY, ATTR_END, "ja", NULL,
	  "さんは書きました:", "2021年1月5日(火) 9:12 田中 <tanaka@example.jp>さんは書きました:"),
	R(ANY, ATTR_END, "ko", NULL, "님이 작성:", "2021년 1월 5일 (화) 오전 9:12, 김민수 <kim@example.kr>님이 작성:"),
	R(ANY, ATTR_END, "ko", NULL, "작성:", "2021. 1. 5. 오전 9:12, 김민수 <kim@example.kr> 작성:"),
	R(ANY, ATTR_END, "fa", NULL, "نوشت:",
	  "علی <ali@example.ir> در تاریخ سه‌شنبه ۵ ژانویه ۲۰۲۱ ساعت ۹:۱۲ "
	  "نوشت:"),
	R(ANY, ATTR_END, "hi", NULL, "ने लिखा:", "मंगल, 5 जन॰ 2021 को 9:12 am बजे राहुल <rahul@example.in> ने लिखा:"),
	R(ANY, ATTR_END, "id", NULL,
	  "menulis:", "Pada tanggal Sel, 5 Jan 2021 pukul 09.12 Budi <budi@example.id> menulis:"),
	R(ANY, ATTR_END, "vi", NULL,
	  "đã viết:", "Vào Th 3, 5 thg 1, 2021 vào lúc 09:12 Minh <minh@example.vn> đã viết:"),

	/* ---- attribution verb in the middle: "Am … schrieb Name <addr>:" */
	R(ANY, ATTR_MID, "de", "Am ", " schrieb ", "Am Di., 5. Jan. 2021 um 09:12 Uhr schrieb Max <max@example.de>:"),
	R(GMAIL, ATTR_MID, "de", NULL, " schrieb am ", "Max <max@example.de> schrieb am Di., 5. Jan. 2021, 09:12:"),
	R(OUTLOOK, ATTR_MID, "de", NULL, " schrieb ", "Am 05.01.21, 09:12 schrieb \"Max\" <max@example.de>:"),
	R(ANY, ATTR_MID, "nl", "Op ", " schreef ", "Op di 5 jan. 2021 om 09:12 schreef Anne <anne@example.nl>:"),
	R(ANY, ATTR_MID, "sv/da/nb", NULL, " skrev ",
	  "Den tis 5 jan. 2021 kl 09:12 skrev Anna Berg <anna@example.se>:"),
	R(ANY, ATTR_MID, "ro", NULL, " a scris ", "Ana <ana@example.ro> a scris în mar., 5 ian. 2021 la 09:12:"),
	R(ANY, ATTR_MID, "sl", NULL, " je napisal",
	  "Janez <janez@example.si> je napisal/-a dne tor., 5. jan. 2021 ob 09:12:"),
	R(ANY, ATTR_MID, "hu", NULL, " ezt írta ",
	  "Kiss Anna <anna@example.hu> ezt írta (időpont: 2021. jan. 5., K, 9:12):"),
	R(ANY, ATTR_MID, "ar", "في ", " كتب ", "في الثلاثاء، 5 يناير 2021 9:12 ص، كتب سارة <sara@example.eg>:"),
	R(ANY, ATTR_MID, "fr", "Le ", " a écrit ", "Le 5 janv. 2021 à 09:12, Anne <anne@example.fr> a écrit :"),

	/* ---- "-----Original Message-----" and friends (Outlook, Thunderbird, web mailers) */
	R(OUTLOOK, SEP, "en", NULL, "Original Message", "-----Original Message-----"),
	R(OUTLOOK, SEP, "de", NULL, "Ursprüngliche Nachricht", "-----Ursprüngliche Nachricht-----"),
	R(THUNDERBIRD, SEP, "de", NULL, "Originalnachricht", "-------- Originalnachricht --------"),
	R(OUTLOOK, SEP, "fr", NULL, "Message d'origine", "-----Message d'origine-----"),
	R(OUTLOOK, SEP, "es", NULL, "Mensaje original", "-----Mensaje original-----"),
	R(OUTLOOK, SEP, "it", NULL, "Messaggio originale", "-----Messaggio originale-----"),
	R(OUTLOOK, SEP, "pt", NULL, "Mensagem original", "-----Mensagem original-----"),
	R(OUTLOOK, SEP, "nl", NULL, "Oorspronkelijk bericht", "-----Oorspronkelijk bericht-----"),
	R(OUTLOOK, SEP, "nl", NULL, "Origineel bericht", "-------- Origineel bericht --------"),
	R(OUTLOOK, SEP, "pl", NULL, "Oryginalna wiadomość", "-----Oryginalna wiadomość-----"),
	R(OUTLOOK, SEP, "pl", NULL, "Wiadomość oryginalna", "-------- Wiadomość oryginalna --------"),
	R(OUTLOOK, SEP, "cs", NULL, "Původní zpráva", "-----Původní zpráva-----"),
	R(OUTLOOK, SEP, "sk", NULL, "Pôvodná správa", "-----Pôvodná správa-----"),
	R(OUTLOOK, SEP, "sl", NULL, "Izvirno sporočilo", "-----Izvirno sporočilo-----"),
	R(OUTLOOK, SEP, "hr/sr", NULL, "Izvorna poruka", "-----Izvorna poruka-----"),
	R(OUTLOOK, SEP, "sr", NULL, "Originalna poruka", "-----Originalna poruka-----"),
	R(OUTLOOK, SEP, "hu", NULL, "Eredeti üzenet", "-----Eredeti üzenet-----"),
	R(OUTLOOK, SEP, "ro", NULL, "Mesaj original", "-----Mesaj original-----"),
	R(OUTLOOK, SEP, "bg", NULL, "Оригинално съобщение", "-----Оригинално съобщение-----"),
	R(OUTLOOK, SEP, "ru", NULL, "Исходное сообщение", "-----Исходное сообщение-----"),
	R(OUTLOOK, SEP, "ru", NULL, "Original message", "-------- Original message --------"),
	R(OUTLOOK, SEP, "uk", NULL, "Початкове повідомлення", "-----Початкове повідомлення-----"),
	R(OUTLOOK, SEP, "uk", NULL, "Оригінальне повідомлення", "-------- Оригінальне повідомлення --------"),
	R(OUTLOOK, SEP, "el", NULL, "Αρχικό μήνυμα", "-----Αρχικό μήνυμα-----"),
	R(OUTLOOK, SEP, "tr", NULL, "Orijinal İleti", "-----Orijinal İleti-----"),
	R(OUTLOOK, SEP, "tr", NULL, "Özgün İleti", "-------- Özgün İleti --------"),
	R(OUTLOOK, SEP, "sv", NULL, "Ursprungligt meddelande", "-----Ursprungligt meddelande-----"),
	R(OUTLOOK, SEP, "da", NULL, "Oprindelig meddelelse", "-----Oprindelig meddelelse-----"),
	R(OUTLOOK, SEP, "nb", NULL, "Opprinnelig melding", "-----Opprinnelig melding-----"),
	R(OUTLOOK, SEP, "fi", NULL, "Alkuperäinen viesti", "-----Alkuperäinen viesti-----"),
	R(OUTLOOK, SEP, "et", NULL, "Algne sõnum", "-----Algne sõnum-----"),
	R(OUTLOOK, SEP, "lv", NULL, "Sākotnējais ziņojums", "-----Sākotnējais ziņojums-----"),
	R(OUTLOOK, SEP, "lt", NULL, "Pradinis laiškas", "-----Pradinis laiškas-----"),
	R(OUTLOOK, SEP, "zh", NULL, "原始邮件", "------------------ 原始邮件 ------------------"),
	R(OUTLOOK, SEP, "zh-tw", NULL, "原始郵件", "-----原始郵件-----"),
	R(OUTLOOK, SEP, "ja", NULL, "元のメッセージ", "-----元のメッセージ-----"),
	R(OUTLOOK, SEP, "ja", NULL, "Original Message", "-------- Original Message --------"),
	R(OUTLOOK, SEP, "ko", NULL, "원본 메시지", "-----원본 메시지-----"),
	R(OUTLOOK, SEP, "ar", NULL, "الرسالة الأصلية", "-----الرسالة الأصلية-----"),
	R(OUTLOOK, SEP, "fa", NULL, "پیام اصلی", "-----پیام اصلی-----"),
	R(OUTLOOK, SEP, "hi", NULL, "मूल संदेश", "-----मूल संदेश-----"),
	R(OUTLOOK, SEP, "id", NULL, "Pesan Asli", "-----Pesan Asli-----"),
	R(OUTLOOK, SEP, "vi", NULL, "Thư gốc", "-----Thư gốc-----"),
	R(WEB, SEP, "en", NULL, "Reply message", "----- Reply message -----"),
	R(WEB, SEP, "de", NULL, "Antwortnachricht", "----- Antwortnachricht -----"),

	/* ---- forward separators (Gmail, Zoho, Thunderbird, Outlook) */
	R(GMAIL, FWD_SEP, "en", NULL, "Forwarded message", "---------- Forwarded message ---------"),
	R(GMAIL, FWD_SEP, "de", NULL, "Weitergeleitete Nachricht", "---------- Weitergeleitete Nachricht ---------"),
	R(OUTLOOK, FWD_SEP, "de", NULL, "Weitergeleitete Mitteilung", "-----Weitergeleitete Mitteilung-----"),
	R(GMAIL, FWD_SEP, "fr", NULL, "Message transféré", "---------- Message transféré ---------"),
	R(GMAIL, FWD_SEP, "es", NULL, "Mensaje reenviado", "---------- Mensaje reenviado ---------"),
	R(GMAIL, FWD_SEP, "it", NULL, "Messaggio inoltrato", "---------- Messaggio inoltrato ---------"),
	R(GMAIL, FWD_SEP, "pt", NULL, "Mensagem encaminhada", "---------- Mensagem encaminhada ---------"),
	R(GMAIL, FWD_SEP, "nl", NULL, "Doorgestuurd bericht", "---------- Doorgestuurd bericht ---------"),
	R(GMAIL, FWD_SEP, "pl", NULL, "Wiadomość przekazana dalej", "---------- Wiadomość przekazana dalej ---------"),
	R(GMAIL, FWD_SEP, "cs", NULL, "Přeposlaná zpráva", "---------- Přeposlaná zpráva ---------"),
	R(GMAIL, FWD_SEP, "sk", NULL, "Preposlaná správa", "---------- Preposlaná správa ---------"),
	R(GMAIL, FWD_SEP, "sl", NULL, "Posredovano sporočilo", "---------- Posredovano sporočilo ---------"),
	R(GMAIL, FWD_SEP, "hr", NULL, "Proslijeđena poruka", "---------- Proslijeđena poruka ---------"),
	R(GMAIL, FWD_SEP, "sr", NULL, "Прослеђена порука", "---------- Прослеђена порука ---------"),
	R(GMAIL, FWD_SEP, "hu", NULL, "Továbbított üzenet", "---------- Továbbított üzenet ---------"),
	R(GMAIL, FWD_SEP, "ro", NULL, "Mesaj redirecționat", "---------- Mesaj redirecționat ---------"),
	R(GMAIL, FWD_SEP, "bg", NULL, "Препратено писмо", "---------- Препратено писмо ---------"),
	R(GMAIL, FWD_SEP, "ru", NULL, "Пересылаемое сообщение", "---------- Пересылаемое сообщение ---------"),
	R(GMAIL, FWD_SEP, "uk", NULL, "Переслане повідомлення", "---------- Переслане повідомлення ---------"),
	R(GMAIL, FWD_SEP, "el", NULL, "Προωθημένο μήνυμα", "---------- Προωθημένο μήνυμα ---------"),
	R(GMAIL, FWD_SEP, "tr", NULL, "Yönlendirilmiş ileti", "---------- Yönlendirilmiş ileti ---------"),
	R(GMAIL, FWD_SEP, "sv", NULL, "Vidarebefordrat meddelande", "---------- Vidarebefordrat meddelande ---------"),
	R(GMAIL, FWD_SEP, "da/nb", NULL, "Videresendt ", "---------- Videresendt meddelelse ----------"),
	R(GMAIL, FWD_SEP, "fi", NULL, "Välitetty viesti", "---------- Välitetty viesti ---------"),
	R(GMAIL, FWD_SEP, "et", NULL, "Edastatud kiri", "---------- Edastatud kiri ---------"),
	R(GMAIL, FWD_SEP, "lv", NULL, "Pārsūtīta ziņa", "---------- Pārsūtīta ziņa ---------"),
	R(GMAIL, FWD_SEP, "lt", NULL, "Persiųstas laiškas", "---------- Persiųstas laiškas ---------"),
	R(GMAIL, FWD_SEP, "zh", NULL, "已转发邮件", "---------- 已转发邮件 ---------"),
	R(GMAIL, FWD_SEP, "zh", NULL, "转发的邮件", "---------- 转发的邮件 ---------"),
	R(GMAIL, FWD_SEP, "ja", NULL, "転送されたメッセージ", "---------- 転送されたメッセージ ---------"),
	R(GMAIL, FWD_SEP, "ko", NULL, "전달된 메일", "---------- 전달된 메일 ---------"),
	R(GMAIL, FWD_SEP, "ar", NULL, "رسالة معاد توجيهها", "---------- رسالة معاد توجيهها ---------"),
	R(GMAIL, FWD_SEP, "fa", NULL, "پیام بازارسال", "---------- پیام بازارسال‌شده ---------"),
	R(GMAIL, FWD_SEP, "hi", NULL, "अग्रेषित संदेश", "---------- अग्रेषित संदेश ---------"),
	R(GMAIL, FWD_SEP, "id", NULL, "Pesan terusan", "---------- Pesan terusan ---------"),
	R(GMAIL, FWD_SEP, "vi", NULL, "Thư được chuyển tiếp", "---------- Thư được chuyển tiếp ---------"),
	R(THUNDERBIRD, FWD_SEP, "en", NULL, "Forwarded Message", "-------- Forwarded Message --------"),
	R(WEB, FWD_SEP, "en", NULL, "Forwarded Message", "============ Forwarded message ============"),

	/* ---- Apple Mail's forward line */
	R(APPLE, FWD_START, "en", NULL, "Begin forwarded message:", "Begin forwarded message:"),
	R(APPLE, FWD_START, "de", NULL, "Anfang der weitergeleiteten", "Anfang der weitergeleiteten Nachricht:"),
	R(APPLE, FWD_START, "fr", NULL, "Début du message réexpédié", "Début du message réexpédié :"),
	R(APPLE, FWD_START, "es", NULL, "Inicio del mensaje reenviado", "Inicio del mensaje reenviado:"),
	R(APPLE, FWD_START, "it", NULL, "Inizio messaggio inoltrato", "Inizio messaggio inoltrato:"),
	R(APPLE, FWD_START, "pt", NULL, "Início da mensagem reencaminhada", "Início da mensagem reencaminhada:"),
	R(APPLE, FWD_START, "nl", NULL, "Begin doorgestuurd bericht", "Begin doorgestuurd bericht:"),
	R(APPLE, FWD_START, "pl", NULL, "Początek przekazywanej wiadomości", "Początek przekazywanej wiadomości:"),
	R(APPLE, FWD_START, "sv", NULL, "Vidarebefordrat mejl", "Vidarebefordrat mejl:"),
	R(APPLE, FWD_START, "da", NULL, "Start på videresendt besked", "Start på videresendt besked:"),
	R(APPLE, FWD_START, "ru", NULL, "Начало переадресованного сообщения", "Начало переадресованного сообщения:"),
	R(APPLE, FWD_START, "tr", NULL, "İletilmiş ileti başlangıcı", "İletilmiş ileti başlangıcı:"),

	/* ---- mobile and web-mailer footers */
	R(APPLE, MOBILE, "en", "Sent from ", "", "Sent from my iPhone"),
	R(ANY, MOBILE, "en", "Sent with ", "", "Sent with Proton Mail secure email."),
	R(ANY, MOBILE, "en", "Sent via ", "", "Sent via the Samsung Galaxy S21 5G"),
	R(WEB, MOBILE, "en", "Sent using ", "", "Sent using Zoho Mail"),
	R(OUTLOOK, MOBILE, "en", "Get Outlook for ", "", "Get Outlook for iOS"),
	R(APPLE, MOBILE, "de", "Von meinem ", "gesendet", "Von meinem iPhone gesendet"),
	R(ANDROID, MOBILE, "de", "Gesendet von ", "", "Gesendet von meinem Samsung Galaxy Smartphone."),
	R(WEB, MOBILE, "de", "Gesendet mit ", "", "Gesendet mit der WEB.DE Mail App"),
	R(OUTLOOK, MOBILE, "de", "Gesendet vom ", "", "Gesendet vom Surface"),
	R(OUTLOOK, MOBILE, "de", "Von Outlook für ", "", "Von Outlook für iOS gesendet"),
	R(OUTLOOK, MOBILE, "de", "Outlook für ", "", "Outlook für Android herunterladen"),
	R(APPLE, MOBILE, "fr", "Envoyé de mon ", "", "Envoyé de mon iPhone"),
	R(ANY, MOBILE, "fr", "Envoyé depuis ", "", "Envoyé depuis mon smartphone Samsung Galaxy."),
	R(OUTLOOK, MOBILE, "fr", "Obtenir Outlook pour ", "", "Obtenir Outlook pour iOS"),
	R(OUTLOOK, MOBILE, "fr", "Télécharger Outlook pour ", "", "Télécharger Outlook pour Android"),
	R(APPLE, MOBILE, "es", "Enviado desde ", "", "Enviado desde mi iPhone"),
	R(ANY, MOBILE, "es", "Enviado con ", "", "Enviado con Proton Mail"),
	R(OUTLOOK, MOBILE, "es", "Obtener Outlook para ", "", "Obtener Outlook para iOS"),
	R(APPLE, MOBILE, "it", "Inviato da ", "", "Inviato da iPhone"),
	R(APPLE, MOBILE, "it", "Inviato dal mio ", "", "Inviato dal mio iPhone"),
	R(OUTLOOK, MOBILE, "it", "Scarica Outlook per ", "", "Scarica Outlook per iOS"),
	R(APPLE, MOBILE, "pt", "Enviado do meu ", "", "Enviado do meu iPhone"),
	R(OUTLOOK, MOBILE, "pt", "Obter o Outlook para ", "", "Obter o Outlook para Android"),
	R(APPLE, MOBILE, "nl", "Verzonden vanaf mijn ", "", "Verzonden vanaf mijn iPhone"),
	R(APPLE, MOBILE, "nl", "Verstuurd vanaf mijn ", "", "Verstuurd vanaf mijn iPhone"),
	R(OUTLOOK, MOBILE, "nl", "Outlook voor ", "downloaden", "Outlook voor iOS downloaden"),
	R(APPLE, MOBILE, "pl", "Wysłane z ", "", "Wysłane z iPhone'a"),
	R(OUTLOOK, MOBILE, "pl", "Pobierz aplikację Outlook ", "", "Pobierz aplikację Outlook dla systemu iOS"),
	R(APPLE, MOBILE, "cs", "Odesláno z ", "", "Odesláno z iPhonu"),
	R(APPLE, MOBILE, "sk", "Odoslané z ", "", "Odoslané z iPhonu"),
	R(APPLE, MOBILE, "sl", "Poslano iz ", "", "Poslano iz mojega iPhona"),
	R(APPLE, MOBILE, "hr", "Poslano s ", "", "Poslano s mog iPhonea"),
	R(APPLE, MOBILE, "sr", "Послато са ", "", "Послато са мог iPhone уређаја"),
	R(APPLE, MOBILE, "hu", "", "ról küldve", "iPhone-ról küldve"),
	R(APPLE, MOBILE, "hu", "", "ről küldve", "Az iPad-ről küldve"),
	R(APPLE, MOBILE, "ro", "Trimis de pe ", "", "Trimis de pe iPhone-ul meu"),
	R(APPLE, MOBILE, "bg", "Изпратено от ", "", "Изпратено от моя iPhone"),
	R(APPLE, MOBILE, "ru", "Отправлено с ", "", "Отправлено с iPhone"),
	R(OUTLOOK, MOBILE, "ru", "Получить Outlook для ", "", "Получить Outlook для iOS"),
	R(APPLE, MOBILE, "uk", "Надіслано з ", "", "Надіслано з iPhone"),
	R(APPLE, MOBILE, "el", "Στάλθηκε από ", "", "Στάλθηκε από το iPhone μου"),
	R(APPLE, MOBILE, "tr", "", "gönderildi", "iPhone'umdan gönderildi"),
	R(OUTLOOK, MOBILE, "tr", "", "için Outlook'u edinin", "iOS için Outlook'u edinin"),
	R(APPLE, MOBILE, "sv", "Skickat från ", "", "Skickat från min iPhone"),
	R(OUTLOOK, MOBILE, "sv", "Hämta Outlook för ", "", "Hämta Outlook för iOS"),
	R(APPLE, MOBILE, "da/nb", "Sendt fra ", "", "Sendt fra min iPhone"),
	R(OUTLOOK, MOBILE, "da", "Hent Outlook til ", "", "Hent Outlook til iOS"),
	R(OUTLOOK, MOBILE, "nb", "Få Outlook for ", "", "Få Outlook for iOS"),
	R(APPLE, MOBILE, "fi", "Lähetetty ", "", "Lähetetty iPhonesta"),
	R(OUTLOOK, MOBILE, "fi", "Hanki Outlook for ", "", "Hanki Outlook for Android"),
	R(APPLE, MOBILE, "et", "Saadetud minu ", "", "Saadetud minu iPhone'ist"),
	R(APPLE, MOBILE, "lv", "Nosūtīts no ", "", "Nosūtīts no mana iPhone"),
	R(APPLE, MOBILE, "lt", "Išsiųsta iš ", "", "Išsiųsta iš mano iPhone"),
	R(APPLE, MOBILE, "zh", "从我的", "发送", "从我的iPhone发送"),
	R(OUTLOOK, MOBILE, "zh", "获取 Outlook for ", "", "获取 Outlook for iOS"),
	R(APPLE, MOBILE, "ja", "", "から送信", "iPhoneから送信"),
	R(APPLE, MOBILE, "ko", "", "에서 보냄", "나의 iPhone에서 보냄"),
	R(APPLE, MOBILE, "ar", "أُرسلت من ", "", "أُرسلت من الـ iPhone"),
	R(APPLE, MOBILE, "fa", "ارسال شده از ", "", "ارسال شده از iPhone"),
	R(APPLE, MOBILE, "hi", "", "से भेजा गया", "मेरे iPhone से भेजा गया"),
	R(APPLE, MOBILE, "id", "Dikirim dari ", "", "Dikirim dari iPhone saya"),
	R(APPLE, MOBILE, "vi", "Được gửi từ ", "", "Được gửi từ iPhone của tôi"),
	R(ANDROID, MOBILE, "en", "Sent from my Android device with K-9 Mail", "",
	  "Sent from my Android device with K-9 Mail"),
	R(ANDROID, MOBILE, "de", "Diese Nachricht wurde von meinem ", "",
	  "Diese Nachricht wurde von meinem Android-Gerät mit K-9 Mail gesendet."),
	R(ANDROID, SIG_IN, "en", NULL, "Please excuse my brevity",
	  "Sent from my Android phone with K-9 Mail. Please excuse my brevity."),
	R(ANDROID, SIG_IN, "de", NULL, "Bitte entschuldigen Sie die Kürze",
	  "Von meinem Handy gesendet. Bitte entschuldigen Sie die Kürze."),
};

/* Outlook (desktop, OWA, iOS/Android), Gmail's forward block, Apple Mail and
 * Thunderbird header blocks: From / Sent / To / Subject per language. */
static const struct quote_header headers[] = {
	{"en", "From", "Sent|Date|Sent on", "To|Cc|Reply-To", "Subject", "Fwd|Fw"},
	{"de", "Von", "Gesendet|Datum|Gesendet am", "An|Cc|Antwort an", "Betreff", "WG|Wtrl|Fwd"},
	{"fr", "De", "Envoyé|Date|Envoyé le|Message du", "À|A|Cc|Copie à", "Objet|Sujet", "TR|Fwd"},
	{"es", "De", "Enviado|Enviado el|Fecha", "Para|CC", "Asunto", "RV|Reenviar"},
	{"it", "Da", "Inviato|Data|Inviato il", "A|Cc", "Oggetto", "I|Inoltra"},
	{"pt", "De", "Enviado|Enviada|Data|Enviado em", "Para|Cc", "Assunto", "ENC|Fwd"},
	{"nl", "Van", "Verzonden|Datum|Verzonden op", "Aan|CC", "Onderwerp", "Doorst|FW"},
	{"pl", "Od", "Wysłano|Wysłane|Data", "Do|DW", "Temat", "PD|Fwd"},
	{"cs", "Od", "Odesláno|Datum", "Komu|Kopie", "Předmět", "Fwd|PŘ"},
	{"sk", "Od", "Odoslané|Dátum", "Komu|Kópia", "Predmet", "Fwd|PD"},
	{"sl", "Od", "Poslano|Datum", "Za|Kp", "Zadeva", "Posl"},
	{"hr", "Šalje", "Poslano|Datum", "Prima|Kopija", "Predmet", "Proslijeđeno"},
	{"sr", "Od", "Poslato|Датум|Послато", "Za|Коме", "Tema|Тема", "Fwd"},
	{"sr-cyrl", "Од", "Послато", "За", "Тема", "Fwd"},
	{"hu", "Feladó", "Elküldve|Dátum|Küldve", "Címzett|Másolatot kap", "Tárgy", "TOV|Fwd"},
	{"ro", "De la", "Trimis|Data|Trimis la", "Către|Cc", "Subiect", "Redir|Fwd"},
	{"bg", "От", "Изпратено|Дата", "До|Копие", "Тема", "Препр|Fwd"},
	{"ru", "От", "Отправлено|Дата", "Кому|Копия", "Тема", "Пересл|Fwd"},
	{"uk", "Від", "Надіслано|Дата", "Кому|Копія", "Тема", "Перес|Fwd"},
	{"el", "Από", "Στάλθηκε|Ημερομηνία", "Προς|Κοιν", "Θέμα", "ΠΡΘ|Fwd"},
	{"tr", "Kimden", "Gönderildi|Gönderilme|Tarih", "Kime|Bilgi", "Konu", "İLT|Fwd"},
	{"sv", "Från", "Skickat|Datum", "Till|Kopia", "Ämne", "VB|Fwd"},
	{"da/nb", "Fra", "Sendt|Dato", "Til|Cc|Kopi", "Emne", "VS|Fwd"},
	{"fi", "Lähettäjä", "Lähetetty|Päivämäärä", "Vastaanottaja|Kopio", "Aihe", "VL|Fwd"},
	{"et", "Saatja", "Saadetud|Kuupäev", "Adressaat|Koopia", "Teema", "Edasi|Fwd"},
	{"lv", "No", "Nosūtīts|Datums", "Kam|Kopija", "Tēma", "Pārs|Fwd"},
	{"lt", "Nuo", "Išsiųsta|Data", "Kam|Kopija", "Tema", "PRSN|Fwd"},
	{"zh", "发件人", "发送时间|日期|时间", "收件人|抄送", "主题", "转发|Fwd"},
	{"zh-tw", "寄件者", "寄件日期|日期", "收件者|副本", "主旨", "轉寄|Fwd"},
	{"ja", "差出人", "送信日時|日付", "宛先|CC", "件名", "転送|Fwd"},
	{"ko", "보낸 사람", "보낸 날짜|날짜", "받는 사람|참조", "제목", "전달|Fwd"},
	{"ar", "من", "تم الإرسال|التاريخ", "إلى|نسخة", "الموضوع", "إعادة توجيه|Fwd"},
	{"fa", "از", "ارسال شده|تاریخ", "به|رونوشت", "موضوع", "هدایت|Fwd"},
	{"hi", "प्रेषक", "भेजा गया|दिनांक", "प्रति|प्रतिलिपि", "विषय", "अग्रेषित|Fwd"},
	{"id", "Dari", "Dikirim|Tanggal", "Kepada|Cc", "Perihal|Subjek", "Teruskan|Fwd"},
	{"vi", "Từ", "Đã gửi|Ngày", "Đến|Cc", "Chủ đề", "Chuyển tiếp|Fwd"},
};

static const char *const family_names[QF_FAMILIES] = {"any client",
						      "Gmail",
						      "Outlook/Exchange (desktop, OWA, iOS, Android)",
						      "Apple Mail (macOS, iOS)",
						      "Thunderbird",
						      "web mailers (Zoho, GMX, WEB.DE, Yahoo, Proton)",
						      "Android (K-9, Samsung, Yahoo app)"};

/* ---- matching ------------------------------------------------------------ */

static int
lc(int c)
{
	c &= 0xff;
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII letters case-insensitively, every other byte exactly */
static int
eq_ci(const char *a, const char *b, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (lc(a[i]) != lc(b[i]))
			return 0;
	return 1;
}

static int
starts_with(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && eq_ci(s, p, k);
}

static int
ends_with(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && eq_ci(s + n - k, p, k);
}

static int
contains(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	for (size_t i = 0; i + k <= n; i++)
		if (lc(s[i]) == lc(p[0]) && eq_ci(s + i, p, k))
			return 1;
	return 0;
}

static int
ends_colon(const char *s, size_t n)
{
	return (n && s[n - 1] == ':') || ends_with(s, n, "\xef\xbc\x9a"); /* or the full-width colon */
}

static size_t
words(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += s[i] != ' ' && (i == 0 || s[i - 1] == ' ');
	return w;
}

/* Past a decoration run ("-----", "=====", "_____", "*****") and blanks. */
static size_t
decoration(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == '-' || s[i] == '=' || s[i] == '_' || s[i] == '*'))
		i++;
	if (i < 2)
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

int
qr_rule_matches(const struct quote_rule *r, const char *s, size_t n)
{
	size_t d;
	switch (r->kind) {
	case QR_ATTR_PRE:
		return starts_with(s, n, r->pre);
	case QR_ATTR_END:
		return n <= 300 && ends_with(s, n, r->pat) && (!r->pre || starts_with(s, n, r->pre));
	case QR_ATTR_MID:
		return n <= 400 && ends_colon(s, n) &&
		       (r->pre ? starts_with(s, n, r->pre) : memchr(s, '@', n) != NULL) && contains(s, n, r->pat);
	case QR_SEP:
	case QR_FWD_SEP:
		d = decoration(s, n);
		return n < 120 && d && starts_with(s + d, n - d, r->pat);
	case QR_FWD_START:
		return n < 120 && starts_with(s, n, r->pat);
	case QR_MOBILE:
		/* "Sent from my desk, which is easier …" is a sentence, not a footer */
		if (n > 80 || memchr(s, ',', n) || words(s, n) > 10)
			return 0;
		while (n && (s[n - 1] == '.' || s[n - 1] == '!'))
			n--;
		return n >= strlen(r->pre) + strlen(r->pat) && starts_with(s, n, r->pre) && ends_with(s, n, r->pat);
	case QR_SIG_IN:
		return n < 160 && contains(s, n, r->pat);
	}
	return 0;
}

/* ---- the compiled lookup ------------------------------------------------- */

#define NRULES ARRAY_LEN(rules)
#define NKEYS 257 /* a byte, or 256: checked for every line */
#define MAXFIELDS 512

struct fname {
	const char *s;
	unsigned char n, is_from;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint16_t bstart[QR_KINDS * NKEYS + 1], bidx[NRULES];
static struct fname fields[MAXFIELDS], fwds[MAXFIELDS];
static uint16_t fstart[257], nfields, nfwds;

/* The byte a line must have where the rule anchors it, or 256. */
static int
rule_key(const struct quote_rule *r)
{
	switch (r->kind) {
	case QR_ATTR_PRE:
		return lc(r->pre[0]);
	case QR_ATTR_END:
		return lc(r->pat[strlen(r->pat) - 1]);
	case QR_ATTR_MID:
		return r->pre ? lc(r->pre[0]) : 256;
	case QR_SEP:
	case QR_FWD_SEP: /* the byte after the decoration */
	case QR_FWD_START:
		return lc(r->pat[0]);
	case QR_MOBILE:
		return r->pre[0] ? lc(r->pre[0]) : 256;
	}
	return 256;
}

/* Split "a|b|c" into list entries. */
static void
add_names(struct fname *list, uint16_t *nl, const char *alts, int is_from)
{
	for (const char *p = alts; *p;) {
		size_t k = strcspn(p, "|");
		if (*nl >= MAXFIELDS || k > 255)
			fatal("quote_rules: too many header field names");
		list[*nl].s = p;
		list[*nl].n = (unsigned char)k;
		list[*nl].is_from = (unsigned char)is_from;
		(*nl)++;
		p += k + (p[k] == '|');
	}
}

static int
fname_cmp(const void *a, const void *b)
{
	const struct fname *x = a, *y = b;
	if (lc(x->s[0]) != lc(y->s[0]))
		return lc(x->s[0]) - lc(y->s[0]);
	if (x->is_from != y->is_from)
		return y->is_from - x->is_from;
	return y->n - x->n; /* "De la" before "De" */
}

static void
compile(void)
{
	uint16_t count[QR_KINDS * NKEYS + 1] = {0};
	for (size_t i = 0; i < NRULES; i++)
		count[rules[i].kind * NKEYS + rule_key(&rules[i])]++;
	for (size_t k = 0; k < QR_KINDS * NKEYS; k++)
		bstart[k + 1] = (uint16_t)(bstart[k] + count[k]);
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < NRULES; i++) {
		size_t k = rules[i].kind * NKEYS + rule_key(&rules[i]);
		bidx[bstart[k] + count[k]++] = (uint16_t)i;
	}
	for (size_t i = 0; i < ARRAY_LEN(headers); i++) {
		const struct quote_header *h = &headers[i];
		add_names(fields, &nfields, h->from, 1);
		add_names(fields, &nfields, h->sent, 0);
		add_names(fields, &nfields, h->to, 0);
		add_names(fields, &nfields, h->subject, 0);
		add_names(fwds, &nfwds, h->fwd, 0);
	}
	/* by first byte; a "From" name wins over the same word as another field */
	qsort(fields, nfields, sizeof(fields[0]), fname_cmp);
	for (size_t i = 0, b = 0; b < 256; b++) {
		fstart[b] = (uint16_t)i;
		while (i < nfields && (size_t)lc(fields[i].s[0]) == b)
			i++;
		fstart[b + 1] = (uint16_t)i;
	}
}

static int
bucket_match(int kind, int key, const char *s, size_t n)
{
	size_t k = (size_t)kind * NKEYS + (size_t)key;
	for (size_t i = bstart[k]; i < bstart[k + 1]; i++)
		if (qr_rule_matches(&rules[bidx[i]], s, n))
			return 1;
	return 0;
}

int
qr_match(int kind, const char *s, size_t n)
{
	int key;
	pthread_once(&once, compile);
	if (n == 0 || kind < 0 || kind >= QR_KINDS)
		return 0;
	if (kind == QR_SEP || kind == QR_FWD_SEP) {
		size_t d = decoration(s, n);
		if (d == 0 || d >= n)
			return 0;
		key = lc(s[d]);
	} else
		key = kind == QR_ATTR_END ? lc(s[n - 1]) : lc(s[0]);
	if (bucket_match(kind, key, s, n))
		return 1;
	return bucket_match(kind, 256, s, n);
}

size_t
qr_attr_inside(const char *s, size_t n)
{
	int colons = 0;
	pthread_once(&once, compile);
	if (n > 400)
		return 0;
	/* the verb ends at one of the first few colons; a bounded number of tries */
	for (size_t i = 0; i < n && colons < 6; i++) {
		if (s[i] != ':')
			continue;
		colons++;
		if (i + 1 < n && bucket_match(QR_ATTR_END, ':', s, i + 1))
			return i + 1;
	}
	return 0;
}

size_t
qr_field(const char *s, size_t n, int *is_from)
{
	size_t star = 0;
	pthread_once(&once, compile);
	while (star < n && s[star] == '*')
		star++;
	s += star;
	n -= star;
	if (n == 0)
		return 0;
	for (size_t i = fstart[lc(s[0])]; i < fstart[lc(s[0]) + 1]; i++) {
		size_t k = fields[i].n;
		if (n <= k || !eq_ci(s, fields[i].s, k))
			continue;
		if (s[k] == '*')
			k++;
		while (k < n && s[k] == ' ')
			k++;
		if (k + 1 < n && !memcmp(s + k, "\xc2\xa0", 2))
			k += 2;
		if (k < n && s[k] == ':')
			k++;
		else if (k + 2 < n && !memcmp(s + k, "\xef\xbc\x9a", 3))
			k += 3;
		else
			continue;
		if (k < n && s[k] == '*')
			k++;
		if (is_from)
			*is_from = fields[i].is_from;
		return star + k;
	}
	return 0;
}

int
qr_fwd_subject(const char *s, size_t n)
{
	pthread_once(&once, compile);
	while (n && *s == ' ') {
		s++;
		n--;
	}
	for (size_t i = 0; i < nfwds; i++) {
		size_t k = fwds[i].n;
		if (n > k && eq_ci(s, fwds[i].s, k) && (s[k] == ':' || (s[k] == ' ' && k + 1 < n && s[k + 1] == ':')))
			return 1;
	}
	return 0;
}

const struct quote_rule *
quote_rules(size_t *n)
{
	*n = NRULES;
	return rules;
}

const struct quote_header *
quote_headers(size_t *n)
{
	*n = ARRAY_LEN(headers);
	return headers;
}

const char *
quote_family_name(int family)
{
	return family >= 0 && family < QF_FAMILIES ? family_names[family] : "?";
}
